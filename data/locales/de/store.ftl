not-for-sale = Credits kann man hier nicht kaufen.
stars-dispute = Wird eine Erstattung abgelehnt, kannst du die Zahlungs-ID an Telegram melden: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$credits} für {$stars}
purchase-price = {" "}für {$stars}
purchase-refunded = , erstattet ({$taken} zurückgebucht)
purchase-refunded-spent = , erstattet ({$taken} zurückgebucht, {$spent} schon ausgegeben)
your-purchases = Deine Käufe:
no-purchases = Du hast hier noch nichts gekauft.
support-contact = Probleme mit einer Zahlung? Wende dich an den Betreiber: {$contact} (nenne die Zahlungs-ID).
support-ask = Probleme mit einer Zahlung? Frag den Betreiber dieses Bots und nenne die Zahlungs-ID.
receipt-new = Danke!
receipt-again = Schon gutgeschrieben:
receipt = {$head} +{$credits} ({$pack}). Du hast {$balance}.
    Zahlungs-ID {$id}. Fragen oder Erstattung: /paysupport
pack-gone = Dieses Paket gibt es nicht mehr zu kaufen. Sende /buy, um die Pakete zu sehen.
invoice-description = {$credits} für Bilder in diesem Bot.
invoice-foreign = Diese Rechnung stammt nicht aus dem Shop dieses Bots. Sende /buy für eine neue.
invoice-pack-gone = Dieses Paket gibt es nicht mehr zu kaufen. Sende /buy, um die Pakete im Angebot zu sehen.
invoice-price-mismatch = Der Preis dieser Rechnung stimmt nicht. Sende /buy für eine neue.
payment-unmatched = Ich konnte diese Zahlung keinem Paket zuordnen. Bitte sende /paysupport mit der Zahlungs-ID {$id}.
tg-buy-pick = Kauf Credits mit Telegram Stars. Wähle ein Paket:
tg-sending-invoice = Rechnung wird gesendet…
tg-payment-sorry = Entschuldige, ich kann diese Zahlung gerade nicht annehmen. Versuch es bitte später.
tg-refunded = Die Zahlung {$id} wurde erstattet: {$taken} zurückgebucht{$short}. Du hast {$balance}.
tg-refunded-short = {" "}({$spent} davon waren schon ausgegeben)
dg-buy = Kauf Credits im Discord-Shop (der Preis ist in deiner Währung):
dg-pack-line = {$label}: {$credits}
