credits = { $n ->
    [one] {$n} kredi
   *[other] {$n} kredi
}
add-model-hint = {" "}Kullanmak için `--model {$model}` ekleyin.
demo-suffix = {" "}(çevrimdışı demo çizici)
caption-model = {$model}{$demo}, çünkü: {$reason}.
caption-cost = Ücret: {$cost} · bakiye: {$balance} · tohum {$seed}
choice-again = {$model} ile tekrar ({$price})
choice-model = {$model} ({$price})
choice-compare = 3 modelde karşılaştır ({$price})
progress-queued = Sırada: {$position}. sıradasınız. {$model} birazdan başlayacak.
progress-started = {$model} görseli oluşturuyor…
progress-finished = {$model} bitirdi. Yükleniyor…
progress-failed = {$model} başarısız oldu.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = Hiçbir sağlayıcı anahtarı tanımlı değil: tüm modeller çevrimdışı demo çiziciyle çalışıyor.
intent-line = {$id}: “{$phrase}” → {$model}
deleted = Silindi.
already-counted = Zaten sayıldı: bu istek bir kez işlendi.
sorry = Üzgünüm, bende bir şeyler ters gitti. Bunun için kredi düşüldüyse iade edildi.
button-expired = Bu düğmenin süresi doldu. /imagine ile yeniden başlayın.
restarting = Şu anda yeniden başlatılıyorum. Lütfen bir dakika sonra tekrar deneyin.
stopped-and-refunded = Yeniden başlatıldığım için bu görseli durdurdum. Kredileri iade edildi.
giveaway-enter = 🎉 Katıl
giveaway-in = Katıldınız! Ayrılmak için tekrar dokunun.
giveaway-left = Çekilişten ayrıldınız.
giveaway-expired = Bu düğmenin süresi doldu: o çekiliş burada artık yapılmıyor.
sent-privately = Size özel sohbetten gönderdim.
no-private-chat = Size özelden yazamıyorum (önce benimle bir sohbet başlatın), işte burada:
link-needs-private-chat = Bağlama kodları gizlidir, bu yüzden onları yalnızca özel sohbette gönderiyorum ve size henüz yazamıyorum. Benimle bir sohbet açın, Başlat'a basın ve oraya /link gönderin.
working-on = Hemen: {$what}…
not-delivered = Üzgünüm, {$model} görseli hazır ama burada paylaşamadım (iş {$job}), bu yüzden kredileriniz iade edildi.
maybe-not-delivered = Telegram {$model} görselini zamanında onaylamadı (iş {$job}). Size ulaşmamış olma ihtimaline karşı kredileriniz iade edildi.
unknown-command = {$command} komutunu bilmiyorum. /help yazmayı deneyin.
cheaper-option = {$model} ile {$price} karşılığında oluşturmak için aşağıya dokunun.
reason-picked = {$model} modelini seçtiniz
reason-asked = {$intent} istediniz: {$why}
