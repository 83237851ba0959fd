not-for-sale = Aquí no se pueden comprar créditos.
stars-dispute = Si te rechazan un reembolso, puedes comunicar el id del pago a Telegram: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$credits} por {$stars}
purchase-price = {" "}por {$stars}
purchase-refunded = , reembolsado ({$taken} retirados)
purchase-refunded-spent = , reembolsado ({$taken} retirados, {$spent} ya gastados)
your-purchases = Tus compras:
no-purchases = Todavía no has comprado nada aquí.
support-contact = ¿Problemas con un pago? Contacta con el operador: {$contact} (indica el id del pago).
support-ask = ¿Problemas con un pago? Pregunta al operador de este bot e indica el id del pago.
receipt-new = ¡Gracias!
receipt-again = Ya abonado:
receipt = {$head} +{$credits} ({$pack}). Tienes {$balance}.
    Id del pago: {$id}. Dudas o reembolsos: /paysupport
pack-gone = Ese paquete ya no está a la venta. Envía /buy para ver los paquetes.
invoice-description = {$credits} para imágenes en este bot.
invoice-foreign = Esta factura no es de la tienda de este bot. Envía /buy para pedir otra.
invoice-pack-gone = Ese paquete ya no está a la venta. Envía /buy para ver los paquetes a la venta.
invoice-price-mismatch = El precio de esta factura no coincide. Envía /buy para pedir otra.
payment-unmatched = No pude asociar este pago a un paquete. Envía /paysupport con el id del pago {$id}.
tg-buy-pick = Compra créditos con Telegram Stars. Elige un paquete:
tg-sending-invoice = Enviando la factura…
tg-payment-sorry = Lo siento, ahora mismo no puedo aceptar este pago. Inténtalo más tarde.
tg-refunded = El pago {$id} se ha reembolsado: se retiraron {$taken}{$short}. Tienes {$balance}.
tg-refunded-short = {" "}({$spent} ya se habían gastado)
dg-buy = Compra créditos en la tienda de Discord (el precio está en tu moneda):
dg-pack-line = {$label}: {$credits}
