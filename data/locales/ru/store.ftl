not-for-sale = Здесь нельзя купить кредиты.
stars-dispute = Если в возврате откажут, сообщите номер платежа в Telegram: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$credits} за {$stars}
purchase-price = {" "}за {$stars}
purchase-refunded = , возвращено (списано обратно {$taken})
purchase-refunded-spent = , возвращено (списано обратно {$taken}, уже потрачено {$spent})
your-purchases = Ваши покупки:
no-purchases = Вы здесь пока ничего не покупали.
support-contact = Проблемы с оплатой? Напишите оператору: {$contact} (укажите номер платежа).
support-ask = Проблемы с оплатой? Обратитесь к оператору этого бота и укажите номер платежа.
receipt-new = Спасибо!
receipt-again = Уже зачислено:
receipt = {$head} +{$credits} ({$pack}). У вас {$balance}.
    Номер платежа: {$id}. Вопросы или возврат: /paysupport
pack-gone = Этот пакет больше не продаётся. Отправьте /buy, чтобы увидеть пакеты.
invoice-description = {$credits} на картинки в этом боте.
invoice-foreign = Этот счёт не из магазина этого бота. Отправьте /buy, чтобы получить новый.
invoice-pack-gone = Этот пакет больше не продаётся. Отправьте /buy, чтобы увидеть пакеты в продаже.
invoice-price-mismatch = Цена в этом счёте не совпадает. Отправьте /buy, чтобы получить новый.
payment-unmatched = Не удалось сопоставить этот платёж с пакетом. Отправьте /paysupport с номером платежа {$id}.
tg-buy-pick = Купите кредиты за Telegram Stars. Выберите пакет:
tg-sending-invoice = Отправляю счёт…
tg-payment-sorry = Простите, сейчас я не могу принять этот платёж. Попробуйте позже.
tg-refunded = Платёж {$id} возвращён: списано обратно {$taken}{$short}. У вас {$balance}.
tg-refunded-short = {" "}(из них {$spent} уже было потрачено)
dg-buy = Купите кредиты в магазине Discord (цена в вашей валюте):
dg-pack-line = {$label}: {$credits}
