not-for-sale = Não é possível comprar créditos aqui.
stars-dispute = Se um reembolso for recusado, você pode informar o id do pagamento ao Telegram: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$credits} por {$stars}
purchase-price = {" "}por {$stars}
purchase-refunded = , reembolsado ({$taken} retirados)
purchase-refunded-spent = , reembolsado ({$taken} retirados, {$spent} já gastos)
your-purchases = Suas compras:
no-purchases = Você ainda não comprou nada aqui.
support-contact = Problemas com um pagamento? Fale com o operador: {$contact} (informe o id do pagamento).
support-ask = Problemas com um pagamento? Pergunte ao operador deste bot e informe o id do pagamento.
receipt-new = Obrigado!
receipt-again = Já creditado:
receipt = {$head} +{$credits} ({$pack}). Você tem {$balance}.
    Id do pagamento: {$id}. Dúvidas ou reembolso: /paysupport
pack-gone = Esse pacote não está mais à venda. Envie /buy para ver os pacotes.
invoice-description = {$credits} para imagens neste bot.
invoice-foreign = Esta fatura não é da loja deste bot. Envie /buy para gerar outra.
invoice-pack-gone = Esse pacote não está mais à venda. Envie /buy para ver os pacotes à venda.
invoice-price-mismatch = O preço desta fatura não confere. Envie /buy para gerar outra.
payment-unmatched = Não consegui associar este pagamento a um pacote. Envie /paysupport com o id do pagamento {$id}.
tg-buy-pick = Compre créditos com Telegram Stars. Escolha um pacote:
tg-sending-invoice = Enviando a fatura…
tg-payment-sorry = Desculpe, não consigo aceitar este pagamento agora. Tente mais tarde.
tg-refunded = O pagamento {$id} foi reembolsado: {$taken} retirados{$short}. Você tem {$balance}.
tg-refunded-short = {" "}({$spent} já tinham sido gastos)
dg-buy = Compre créditos na loja do Discord (o preço está na sua moeda):
dg-pack-line = {$label}: {$credits}
