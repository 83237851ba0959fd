not-for-sale = Impossible d’acheter des crédits ici.
stars-dispute = Si un remboursement est refusé, vous pouvez signaler l’identifiant du paiement à Telegram : t.me/BotFather?start=starsdispute
pack-button = {$label} : {$credits} pour {$stars}
purchase-price = {" "}pour {$stars}
purchase-refunded = , remboursé ({$taken} repris)
purchase-refunded-spent = , remboursé ({$taken} repris, {$spent} déjà dépensés)
your-purchases = Vos achats :
no-purchases = Vous n’avez encore rien acheté ici.
support-contact = Un problème avec un paiement ? Contactez l’opérateur : {$contact} (indiquez l’identifiant du paiement).
support-ask = Un problème avec un paiement ? Demandez à l’opérateur de ce bot en indiquant l’identifiant du paiement.
receipt-new = Merci !
receipt-again = Déjà crédité :
receipt = {$head} +{$credits} ({$pack}). Vous avez {$balance}.
    Identifiant du paiement : {$id}. Questions ou remboursement : /paysupport
pack-gone = Ce pack n’est plus en vente. Envoyez /buy pour voir les packs.
invoice-description = {$credits} pour des images dans ce bot.
invoice-foreign = Cette facture ne vient pas de la boutique de ce bot. Envoyez /buy pour en obtenir une nouvelle.
invoice-pack-gone = Ce pack n’est plus en vente. Envoyez /buy pour voir les packs en vente.
invoice-price-mismatch = Le prix de cette facture ne correspond pas. Envoyez /buy pour en obtenir une nouvelle.
payment-unmatched = Je n’ai pas pu associer ce paiement à un pack. Envoyez /paysupport avec l’identifiant du paiement {$id}.
tg-buy-pick = Achetez des crédits avec des Telegram Stars. Choisissez un pack :
tg-sending-invoice = Envoi de la facture…
tg-payment-sorry = Désolé, je ne peux pas accepter ce paiement pour le moment. Réessayez plus tard.
tg-refunded = Le paiement {$id} a été remboursé : {$taken} repris{$short}. Vous avez {$balance}.
tg-refunded-short = {" "}(dont {$spent} déjà dépensés)
dg-buy = Achetez des crédits dans la boutique Discord (le prix est dans votre devise) :
dg-pack-line = {$label} : {$credits}
