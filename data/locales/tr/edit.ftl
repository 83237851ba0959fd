edit-no-image = Düzenlemek için bir görsele ihtiyacım var: bir tane ekleyin ya da bir görsele `/edit ne değişsin` ile yanıt verin.
edit-too-large = Bu dosya {$size} MB; en fazla {$cap} MB'lık görselleri alabiliyorum. Lütfen daha küçük bir tane gönderin.
edit-not-an-image = `{$label}` okuyabildiğim bir görsel değil. PNG, JPEG, WebP, GIF veya HEIC biçiminde bir görsel gönderin.
edit-not-an-image-unnamed = Bu dosya okuyabildiğim bir görsel değil. PNG, JPEG, WebP, GIF veya HEIC biçiminde bir görsel gönderin.
edit-corrupted = Bu görsel bozuk görünüyor: çözümleyemedim. Lütfen tekrar gönderin.
edit-no-first-frame = Bu animasyonda kullanabileceğim bir ilk kare yok. Lütfen hareketsiz bir görsel gönderin.
edit-too-many-pixels = Bu görsel {$width}×{$height} piksel; bu, işleyebileceğimden fazla. Lütfen daha küçük bir tane gönderin.
edit-too-many-pixels-unknown = Bu görselde işleyebileceğimden fazla piksel var. Lütfen daha küçük bir tane gönderin.
edit-too-many-images = {$model}, düzenleme başına en fazla { $most ->
    [one] {$most} görsel
   *[other] {$most} görsel
} alır.
edit-too-many-images-any = Buradaki hiçbir model, düzenleme başına { $most ->
    [one] {$most} görselden
   *[other] {$most} görselden
} fazlasını almıyor.
edit-unreadable-path = `{$path}` dosyasını okuyamıyorum.
edit-model-cannot-edit = {$model} görsel düzenleyemiyor, ama {$nearest} düzenleyebiliyor: bunun yerine `{$id}` seçin. Hiç kredi düşülmedi.
edit-model-cannot-edit-none = {$model} görsel düzenleyemiyor ve şu anda buradaki hiçbir model de düzenleyemiyor.
edit-no-edit-models = Şu anda bu bottaki hiçbir model görsel düzenleyemiyor. Hiç kredi düşülmedi.
edit-instruction-too-long = Bu metin { $length ->
    [one] {$length} karakter
   *[other] {$length} karakter
}; sınır {$limit}. Lütfen kısaltın.
edit-editor-fallback = {" "}({$model} görsel düzenleyemediği için {$picked} seçildi)
edit-source-reason = { $kind ->
    [vary] varyasyonunu yaptığınız görseli bu model oluşturdu
    [vary_strong] varyasyonunu yaptığınız görseli bu model oluşturdu
   *[edit] düzenlediğiniz görseli bu model oluşturdu
}
edit-source-reason-nearest = { $kind ->
    [vary] varyasyonunu yaptığınız görseli {$model} oluşturdu ama görsel düzenleyemiyor, bu yüzden düzenleyebilen en yakın model seçildi
    [vary_strong] varyasyonunu yaptığınız görseli {$model} oluşturdu ama görsel düzenleyemiyor, bu yüzden düzenleyebilen en yakın model seçildi
   *[edit] düzenlediğiniz görseli {$model} oluşturdu ama görsel düzenleyemiyor, bu yüzden düzenleyebilen en yakın model seçildi
}
edit-need-instruction = Neyin değişeceğini söyleyin, örneğin `/edit gökyüzünü mor yap`.
edit-not-for-edit = `{$word}` düzenlemede geçerli değil; yalnızca `--model` kullanılabilir.
edit-kind-line = { $kind ->
    [vary] Varyasyon: {$parent}.
    [vary_strong] Güçlü varyasyon: {$parent}.
   *[edit] Düzenleme: {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Görselinizin varyasyonu.
    [vary_strong] Görselinizin güçlü varyasyonu.
   *[edit] Görselinizin düzenlenmiş hâli.
}
edit-kind-line-album = { $n ->
    [one] Görselinizin düzenlenmiş hâli.
   *[other] {$n} görselinizin düzenlenmiş hâli.
}
edit-history-label = { $kind ->
    [vary] varyasyon: {$parent}
    [vary_strong] güçlü varyasyon: {$parent}
   *[edit] düzenleme: {$parent}
}
edit-history-label-own = { $kind ->
    [vary] varyasyon
    [vary_strong] güçlü varyasyon
   *[edit] düzenleme
}
edit-vary-button = Varyasyon ({$price})
edit-vary-strong-button = Güçlü varyasyon ({$price})
edit-edit-button = Düzenle ({$price})
edit-editor-choice = {$model} — düzenleme başına {$price}
edit-prompt-question = Bu görselde neyi değiştireyim?
edit-modal-title = Görseli düzenle
edit-modal-label = Ne değişsin?
edit-prompt-placeholder = gökyüzünü mor yap
edit-no-result = Henüz {$number} numaralı bir sonuç yok. Önce bir görsel oluşturun, sonra `/vary 1` yazın.
edit-usage = Kullanım: /edit <dosya yolu veya sonuç numarası> <ne değişsin>
edit-vary-usage = Kullanım: /vary [N] [strong]
edit-stored-image-gone = O görsel artık bende kayıtlı değil, bu yüzden varyasyonunu yapamıyorum. Hiç kredi düşülmedi.
edit-pictures-gone = Bu düzenlemenin görselleri artık bende kayıtlı değil. {$refunded} iade edildi.
edit-vary-working = { $kind ->
    [vary_strong] güçlü bir varyasyon
   *[vary] bir varyasyon
}
edit-photo-needs-caption = Güzel görsel! Değiştirmek için, neyin değişeceğini yazan bir açıklamayla tekrar gönderin ya da ona `/edit gökyüzünü mor yap` (veya `/vary`) ile yanıt verin.
