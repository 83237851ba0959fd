edit-no-image = J’ai besoin d’une image à modifier : joignez-en une, ou répondez à une image avec `/edit ce qu’il faut changer`.
edit-too-large = Ce fichier fait {$size} Mo ; j’accepte les images jusqu’à {$cap} Mo. Envoyez-en une plus petite, s’il vous plaît.
edit-not-an-image = `{$label}` n’est pas une image que je sais lire. Envoyez une image PNG, JPEG, WebP, GIF ou HEIC.
edit-not-an-image-unnamed = Ce fichier n’est pas une image que je sais lire. Envoyez une image PNG, JPEG, WebP, GIF ou HEIC.
edit-corrupted = Cette image semble endommagée : je n’ai pas pu la décoder. Renvoyez-la, s’il vous plaît.
edit-no-first-frame = Cette animation n’a pas de première image utilisable. Envoyez une image fixe, s’il vous plaît.
edit-too-many-pixels = Cette image fait {$width}×{$height} pixels, c’est plus que je ne peux traiter. Envoyez-en une plus petite, s’il vous plaît.
edit-too-many-pixels-unknown = Cette image a trop de pixels, plus que je ne peux traiter. Envoyez-en une plus petite, s’il vous plaît.
edit-too-many-images = {$model} accepte au plus { $most ->
    [one] {$most} image
    [many] {$most} d’images
   *[other] {$most} images
} par modification.
edit-too-many-images-any = Aucun modèle ici n’accepte plus { $most ->
    [one] d’une image
    [many] de {$most} d’images
   *[other] de {$most} images
} par modification.
edit-unreadable-path = Je ne peux pas lire le fichier `{$path}`.
edit-model-cannot-edit = {$model} ne sait pas modifier les images, mais {$nearest} oui : choisissez plutôt `{$id}`. Rien n’a été débité.
edit-model-cannot-edit-none = {$model} ne sait pas modifier les images, et aucun modèle ici ne le peut pour le moment.
edit-no-edit-models = Aucun modèle de ce bot ne peut modifier d’images pour le moment. Rien n’a été débité.
edit-instruction-too-long = Cela fait { $length ->
    [one] {$length} caractère
    [many] {$length} de caractères
   *[other] {$length} caractères
} ; la limite est de {$limit}. Raccourcissez le texte, s’il vous plaît.
edit-editor-fallback = {" "}({$model} ne sait pas modifier les images, donc {$picked} prend le relais)
edit-source-reason = { $kind ->
    [vary] c’est lui qui a créé l’image dont vous faites une variation
    [vary_strong] c’est lui qui a créé l’image dont vous faites une variation
   *[edit] c’est lui qui a créé l’image que vous modifiez
}
edit-source-reason-nearest = { $kind ->
    [vary] {$model} a créé l’image dont vous faites une variation mais ne sait pas modifier les images, donc le modèle le plus proche qui en est capable prend le relais
    [vary_strong] {$model} a créé l’image dont vous faites une variation mais ne sait pas modifier les images, donc le modèle le plus proche qui en est capable prend le relais
   *[edit] {$model} a créé l’image que vous modifiez mais ne sait pas modifier les images, donc le modèle le plus proche qui en est capable prend le relais
}
edit-need-instruction = Dites-moi ce qu’il faut changer, par exemple `/edit rends le ciel violet`.
edit-not-for-edit = `{$word}` ne s’applique pas à une modification ; seul `--model` est accepté.
edit-kind-line = { $kind ->
    [vary] Variation de {$parent}.
    [vary_strong] Variation forte de {$parent}.
   *[edit] Modification de {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Variation de votre image.
    [vary_strong] Variation forte de votre image.
   *[edit] Modification de votre image.
}
edit-kind-line-album = { $n ->
    [one] Modification de votre image.
    [many] Modification de vos {$n} d’images.
   *[other] Modification de vos {$n} images.
}
edit-history-label = { $kind ->
    [vary] variation de {$parent}
    [vary_strong] variation forte de {$parent}
   *[edit] modification de {$parent}
}
edit-history-label-own = { $kind ->
    [vary] variation
    [vary_strong] variation forte
   *[edit] modification
}
edit-vary-button = Varier ({$price})
edit-vary-strong-button = Varier fortement ({$price})
edit-edit-button = Modifier ({$price})
edit-editor-choice = {$model} — {$price} par modification
edit-prompt-question = Que dois-je changer dans cette image ?
edit-modal-title = Modifier l’image
edit-modal-label = Ce qu’il faut changer
edit-prompt-placeholder = rends le ciel violet
edit-no-result = Il n’y a pas encore de résultat {$number}. Créez d’abord une image, puis `/vary 1`.
edit-usage = Utilisation : /edit <chemin du fichier ou numéro du résultat> <ce qu’il faut changer>
edit-vary-usage = Utilisation : /vary [N] [strong]
edit-stored-image-gone = Je n’ai plus cette image en mémoire, je ne peux donc pas en faire une variation. Rien n’a été débité.
edit-pictures-gone = Je n’ai plus les images de cette modification en mémoire. Je vous ai remboursé {$refunded}.
edit-vary-working = { $kind ->
    [vary_strong] une variation forte
   *[vary] une variation
}
edit-photo-needs-caption = Belle image ! Pour la modifier, renvoyez-la avec une légende qui dit ce qu’il faut changer, ou répondez-y avec `/edit rends le ciel violet` (ou `/vary`).
