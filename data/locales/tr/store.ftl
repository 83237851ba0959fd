not-for-sale = Burada kredi satın alınamıyor.
stars-dispute = Bir iade reddedilirse ödeme kimliğini Telegram'a bildirebilirsiniz: t.me/BotFather?start=starsdispute
pack-button = {$label}: {$stars} karşılığında {$credits}
purchase-price = {" "}({$stars})
purchase-refunded = , iade edildi ({$taken} geri alındı)
purchase-refunded-spent = , iade edildi ({$taken} geri alındı, {$spent} zaten harcanmıştı)
your-purchases = Satın alımlarınız:
no-purchases = Burada henüz bir şey satın almadınız.
support-contact = Bir ödemeyle sorun mu var? Operatöre ulaşın: {$contact} (ödeme kimliğini belirtin).
support-ask = Bir ödemeyle sorun mu var? Bu botun operatörüne ödeme kimliğiyle birlikte sorun.
receipt-new = Teşekkürler!
receipt-again = Zaten yüklendi:
receipt = {$head} +{$credits} ({$pack}). Bakiyeniz: {$balance}.
    Ödeme kimliği {$id}. Sorular veya iade için: /paysupport
pack-gone = O paket artık satışta değil. Paketleri görmek için /buy gönderin.
invoice-description = Bu bottaki görseller için {$credits}.
invoice-foreign = Bu fatura bu botun mağazasından değil. Yenisi için /buy gönderin.
invoice-pack-gone = O paket artık satışta değil. Satıştaki paketleri görmek için /buy gönderin.
invoice-price-mismatch = Bu faturanın fiyatı uyuşmuyor. Yenisi için /buy gönderin.
payment-unmatched = Bu ödemeyi bir paketle eşleştiremedim. Lütfen {$id} ödeme kimliğiyle /paysupport gönderin.
tg-buy-pick = Telegram Stars ile kredi satın alın. Bir paket seçin:
tg-sending-invoice = Fatura gönderiliyor…
tg-payment-sorry = Üzgünüm, bu ödemeyi şu anda alamıyorum. Lütfen daha sonra tekrar deneyin.
tg-refunded = {$id} ödemesi iade edildi: {$taken} geri alındı{$short}. Bakiyeniz: {$balance}.
tg-refunded-short = {" "}({$spent} zaten harcanmıştı)
dg-buy = Discord mağazasından kredi satın alın (fiyat sizin para biriminizde):
dg-pack-line = {$label}: {$credits}
