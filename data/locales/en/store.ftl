# Buying credits (bot/services/store_text.py, store.py, the payment adapters).
not-for-sale = Buying credits is not available here.
stars-dispute = If a refund is refused, you can report the payment id to Telegram: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$credits} for {$stars}
purchase-price = {" "}for {$stars}
purchase-refunded = , refunded ({$taken} taken back)
purchase-refunded-spent = , refunded ({$taken} taken back, {$spent} already spent)
your-purchases = Your purchases:
no-purchases = You have not bought anything here yet.
support-contact = Problems with a payment? Contact the operator: {$contact} (quote the payment id).
support-ask = Problems with a payment? Ask the operator of this bot and quote the payment id.
receipt-new = Thank you!
receipt-again = Already credited:
receipt = {$head} +{$credits} ({$pack}). You have {$balance}.
    Payment id {$id}. Questions or a refund: /paysupport
pack-gone = That pack is not on sale any more. Send /buy to see the packs.
invoice-description = {$credits} for images in this bot.
invoice-foreign = This invoice is not from this bot's store. Send /buy for a new one.
invoice-pack-gone = That pack is not on sale any more. Send /buy to see the packs on sale.
invoice-price-mismatch = The price of this invoice does not match. Send /buy for a new one.
payment-unmatched = I could not match this payment to a pack. Please send /paysupport with the payment id {$id}.
tg-buy-pick = Buy credits with Telegram Stars. Pick a pack:
tg-sending-invoice = Sending the invoice…
tg-payment-sorry = Sorry, I can't take this payment right now. Please try again later.
tg-refunded = Payment {$id} was refunded: {$taken} taken back{$short}. You have {$balance}.
tg-refunded-short = {" "}({$spent} of it had been spent)
dg-buy = Buy credits in Discord's store (the price is in your currency):
dg-pack-line = {$label}: {$credits}
