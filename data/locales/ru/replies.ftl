credits = { $n ->
    [one] {$n} кредит
    [few] {$n} кредита
    [many] {$n} кредитов
   *[other] {$n} кредита
}
add-model-hint = {" "}Добавьте `--model {$model}`, чтобы выбрать её.
demo-suffix = {" "}(офлайн-демо)
caption-model = {$model}{$demo}, потому что {$reason}.
caption-cost = Стоимость: {$cost} · баланс: {$balance} · сид {$seed}
choice-again = Ещё раз в {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Сравнить на трёх ({$price})
progress-queued = В очереди: вы {$position}-й. {$model} скоро начнёт.
progress-started = {$model} рисует…
progress-finished = {$model}: готово. Загружаю…
progress-failed = {$model}: не получилось.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = Ключи провайдеров не заданы: все модели работают на офлайн-демо.
intent-line = {$id}: «{$phrase}» → {$model}
deleted = Удалено.
already-counted = Уже учтено: этот запрос обработан один раз.
sorry = Простите, у меня что-то пошло не так. Если за это списали кредиты, их уже вернули.
button-expired = Эта кнопка устарела. Начните заново с /imagine.
restarting = Я сейчас перезапускаюсь. Попробуйте ещё раз через минуту.
stopped-and-refunded = Я перезапускаюсь, поэтому остановил эту картинку. Кредиты за неё вернулись.
giveaway-enter = 🎉 Участвовать
giveaway-in = Вы участвуете! Нажмите ещё раз, чтобы выйти.
giveaway-left = Вы вышли из розыгрыша.
giveaway-expired = Эта кнопка устарела: здесь этот розыгрыш больше не идёт.
sent-privately = Я отправил это вам в личные сообщения.
no-private-chat = Я не могу написать вам лично (сначала откройте чат со мной), поэтому вот здесь:
link-needs-private-chat = Коды привязки секретные, поэтому я отправляю их только в личном чате, а написать вам пока не могу. Откройте чат со мной, нажмите «Старт» и отправьте там /link.
working-on = Уже делаю: {$what}…
not-delivered = Простите, картинка {$model} готова, но опубликовать её здесь не удалось (задача {$job}), поэтому кредиты вернулись вам.
maybe-not-delivered = Telegram вовремя не подтвердил картинку {$model} (задача {$job}). На случай, если она не дошла, кредиты вам вернули.
unknown-command = Я не знаю {$command}. Загляните в /help.
cheaper-option = Нажмите ниже, чтобы нарисовать в {$model} за {$price}.
reason-picked = вы выбрали {$model}
reason-asked = вы попросили {$intent}: {$why}
