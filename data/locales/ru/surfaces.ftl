embed-demo-title = {$model} · демо-картинка
embed-reason = {$model}, потому что {$reason}.
embed-for = для {$name}
embed-cost = Стоимость
embed-balance-left = Остаток
embed-seed = Сид
embed-job = Задача {$job}
embed-demo-footer = Демо-картинка: её нарисовал офлайн-демо, а не {$model}. Задача {$job}
models-title = Модели (кредитов за картинку)
button-delete = Удалить
rerun-placeholder = Повторить в…
run-on = Нарисовать в {$model} ({$price})
unposted = Картинка готова, но опубликовать её здесь не удалось, поэтому кредиты вам вернули. Попробуйте ещё раз чуть позже или попросите администратора проверить мои права в этом канале.
command-gone = Этой команды больше нет. Актуальные — в /help.
bad-input = Не могу использовать это значение: {$error}
hint-button = {$text} Чтобы выбрать её, нажмите кнопку ниже.
hint-rerun = {$text} Чтобы выбрать её, запустите /imagine ещё раз с model: {$model}.
dg-prize = {$winners} × {$each} ({$funded})
dg-state-ended = {" "}· завершён
dg-state-cancelled = {" "}· отменён
dg-description = Нажмите **Участвовать**, чтобы присоединиться. Победители выбираются случайно, призы начисляются сами.
dg-field-prize = Приз
dg-field-host = Организатор
dg-field-entrants = Участники
dg-field-ends = Завершится
dg-field-cancelled = Отменён
dg-field-winners = Победители
dg-nobody = Никто не участвовал.
dg-footer = Розыгрыш {$id}
dg-announce-none = 🎉 **{$title}** завершён без участников, поэтому никто не выиграл.{$back} (организатор: {$host})
dg-announce-none-back = {" "}{$credits} вернулись к {$host}.
dg-announce = 🎉 **{$title}** завершён! Поздравляем, {$names}: каждому по {$each}, уже на балансе.{$back} (организатор: {$host})
dg-announce-back = {" "}{$credits} вернулись организатору.
dg-entered = Вы участвуете в **{$title}**! Победителей выберут {$when}. (Повторное нажатие «Участвовать» отменяет участие.)
dg-left = Вы вышли из **{$title}**. Нажмите «Участвовать», чтобы вернуться.
dg-end-announced = Розыгрыш `{$id}` завершён; победителей объявляем здесь.
tg-for = Для {$name}
tg-each = по {$credits}
tg-ended-head = 🎉 <b>{$title}</b> завершён (участников: {$entrants}).
tg-winners-line = { $count ->
    [one] Победитель
    [few] Победители
    [many] Победители
   *[other] Победители
}: {$names}: {$prize}.
tg-nobody = Никто не участвовал.
tg-congrats = 🎉 Поздравляем, {$names}! Ваш выигрыш в «{$title}»: {$prize}; кредиты уже на балансе.
tg-no-entrants = Розыгрыш «{$title}» завершился без участников.
tg-host-ended = {$host}, ваш розыгрыш завершён.
tg-back-to-you = {" "}Вам вернулось {$credits}.
tg-hosted-by = Организатор: {$host}. Нажмите «Участвовать», чтобы войти, и ещё раз — чтобы выйти.
tg-cancelled = 🚫 <b>{$title}</b> отменён.
dg-button-enter = Участвовать
dg-button-ended = Завершён
tg-compare-what = сравнение на трёх
dg-gave = {$giver} передаёт {$receiver} {$amount}.
dg-left-after = У вас осталось {$left}.
leaderboard-heading = Самые большие балансы здесь
