edit-no-image = Necesito una imagen para editar: adjunta una o responde a una imagen con `/edit qué cambiar`.
edit-too-large = Ese archivo ocupa {$size} MB y acepto imágenes de hasta {$cap} MB. Envía una más pequeña, por favor.
edit-not-an-image = `{$label}` no es una imagen que pueda leer. Envía una imagen PNG, JPEG, WebP, GIF o HEIC.
edit-not-an-image-unnamed = Ese archivo no es una imagen que pueda leer. Envía una imagen PNG, JPEG, WebP, GIF o HEIC.
edit-corrupted = Esa imagen parece dañada: no he podido descodificarla. Envíala de nuevo, por favor.
edit-no-first-frame = Esa animación no tiene un primer fotograma que pueda usar. Envía una imagen fija, por favor.
edit-too-many-pixels = Esa imagen tiene {$width}×{$height} píxeles, más de los que puedo procesar. Envía una más pequeña, por favor.
edit-too-many-pixels-unknown = Esa imagen tiene demasiados píxeles, más de los que puedo procesar. Envía una más pequeña, por favor.
edit-too-many-images = {$model} admite como máximo { $most ->
    [one] {$most} imagen
    [many] {$most} de imágenes
   *[other] {$most} imágenes
} por edición.
edit-too-many-images-any = Ningún modelo de aquí admite más de { $most ->
    [one] {$most} imagen
    [many] {$most} de imágenes
   *[other] {$most} imágenes
} por edición.
edit-unreadable-path = No puedo leer el archivo `{$path}`.
edit-model-cannot-edit = {$model} no sabe editar imágenes, pero {$nearest} sí: elige `{$id}`. No se ha cobrado nada.
edit-model-cannot-edit-none = {$model} no sabe editar imágenes, y ahora mismo ningún modelo de aquí puede hacerlo.
edit-no-edit-models = Ahora mismo ningún modelo de este bot puede editar imágenes. No se ha cobrado nada.
edit-instruction-too-long = { $length ->
    [one] Eso es {$length} carácter
    [many] Eso son {$length} de caracteres
   *[other] Eso son {$length} caracteres
} y el límite es {$limit}. Acórtalo, por favor.
edit-editor-fallback = {" "}({$model} no sabe editar imágenes, así que uso {$picked})
edit-source-reason = { $kind ->
    [vary] creó la imagen que estás variando
    [vary_strong] creó la imagen que estás variando
   *[edit] creó la imagen que estás editando
}
edit-source-reason-nearest = { $kind ->
    [vary] {$model} creó la imagen que estás variando, pero no sabe editar imágenes, así que uso el modelo más cercano que sí puede
    [vary_strong] {$model} creó la imagen que estás variando, pero no sabe editar imágenes, así que uso el modelo más cercano que sí puede
   *[edit] {$model} creó la imagen que estás editando, pero no sabe editar imágenes, así que uso el modelo más cercano que sí puede
}
edit-need-instruction = Dime qué cambiar, por ejemplo `/edit pon el cielo morado`.
edit-not-for-edit = `{$word}` no sirve para una edición; solo vale `--model`.
edit-kind-line = { $kind ->
    [vary] Variación de {$parent}.
    [vary_strong] Variación fuerte de {$parent}.
   *[edit] Edición de {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Variación de tu imagen.
    [vary_strong] Variación fuerte de tu imagen.
   *[edit] Edición de tu imagen.
}
edit-kind-line-album = { $n ->
    [one] Edición de tu imagen.
    [many] Edición de tus {$n} de imágenes.
   *[other] Edición de tus {$n} imágenes.
}
edit-history-label = { $kind ->
    [vary] variación de {$parent}
    [vary_strong] variación fuerte de {$parent}
   *[edit] edición de {$parent}
}
edit-history-label-own = { $kind ->
    [vary] variación
    [vary_strong] variación fuerte
   *[edit] edición
}
edit-vary-button = Variar ({$price})
edit-vary-strong-button = Variar fuerte ({$price})
edit-edit-button = Editar ({$price})
edit-editor-choice = {$model} — {$price} por edición
edit-prompt-question = ¿Qué quieres que cambie en esta imagen?
edit-modal-title = Editar imagen
edit-modal-label = Qué cambiar
edit-prompt-placeholder = pon el cielo morado
edit-no-result = Todavía no hay ningún resultado {$number}. Crea primero una imagen y luego usa `/vary 1`.
edit-usage = Uso: /edit <ruta del archivo o número de resultado> <qué cambiar>
edit-vary-usage = Uso: /vary [N] [strong]
edit-stored-image-gone = Ya no tengo guardada esa imagen, así que no puedo variarla. No se ha cobrado nada.
edit-pictures-gone = Ya no tengo guardadas las imágenes de esta edición. Te he devuelto {$refunded}.
edit-vary-working = { $kind ->
    [vary_strong] una variación fuerte
   *[vary] una variación
}
edit-photo-needs-caption = ¡Qué buena imagen! Para cambiarla, envíala otra vez con un pie de foto que diga qué cambiar, o responde a ella con `/edit pon el cielo morado` (o `/vary`).
