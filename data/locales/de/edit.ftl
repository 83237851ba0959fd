edit-no-image = Zum Bearbeiten brauche ich ein Bild: Hänge eins an oder antworte auf ein Bild mit `/edit was du ändern willst`.
edit-too-large = Die Datei ist {$size} MB groß; ich nehme Bilder bis {$cap} MB. Schick bitte ein kleineres.
edit-not-an-image = `{$label}` ist kein Bild, das ich lesen kann. Schick ein PNG-, JPEG-, WebP-, GIF- oder HEIC-Bild.
edit-not-an-image-unnamed = Diese Datei ist kein Bild, das ich lesen kann. Schick ein PNG-, JPEG-, WebP-, GIF- oder HEIC-Bild.
edit-corrupted = Das Bild scheint beschädigt zu sein: Ich konnte es nicht dekodieren. Schick es bitte noch einmal.
edit-no-first-frame = Diese Animation hat kein erstes Einzelbild, das ich verwenden kann. Schick bitte ein Standbild.
edit-too-many-pixels = Das Bild hat {$width}×{$height} Pixel, mehr als ich verarbeiten kann. Schick bitte ein kleineres.
edit-too-many-pixels-unknown = Das Bild hat zu viele Pixel, mehr als ich verarbeiten kann. Schick bitte ein kleineres.
edit-too-many-images = {$model} nimmt höchstens { $most ->
    [one] {$most} Bild
   *[other] {$most} Bilder
} pro Bearbeitung.
edit-too-many-images-any = Kein Modell hier nimmt mehr als { $most ->
    [one] {$most} Bild
   *[other] {$most} Bilder
} pro Bearbeitung.
edit-unreadable-path = Ich kann die Datei `{$path}` nicht lesen.
edit-model-cannot-edit = {$model} kann keine Bilder bearbeiten, {$nearest} schon: Nimm stattdessen `{$id}`. Es wurde nichts abgebucht.
edit-model-cannot-edit-none = {$model} kann keine Bilder bearbeiten, und gerade kann das hier auch kein anderes Modell.
edit-no-edit-models = Gerade kann kein Modell dieses Bots Bilder bearbeiten. Es wurde nichts abgebucht.
edit-instruction-too-long = { $length ->
    [one] Das ist {$length} Zeichen
   *[other] Das sind {$length} Zeichen
}; erlaubt sind {$limit}. Kürze es bitte.
edit-editor-fallback = {" "}({$model} kann keine Bilder bearbeiten, deshalb übernimmt {$picked})
edit-source-reason = { $kind ->
    [vary] es hat das Bild gemacht, das du variierst
    [vary_strong] es hat das Bild gemacht, das du variierst
   *[edit] es hat das Bild gemacht, das du bearbeitest
}
edit-source-reason-nearest = { $kind ->
    [vary] {$model} hat das Bild gemacht, das du variierst, kann aber keine Bilder bearbeiten, deshalb übernimmt das nächstliegende Modell, das es kann
    [vary_strong] {$model} hat das Bild gemacht, das du variierst, kann aber keine Bilder bearbeiten, deshalb übernimmt das nächstliegende Modell, das es kann
   *[edit] {$model} hat das Bild gemacht, das du bearbeitest, kann aber keine Bilder bearbeiten, deshalb übernimmt das nächstliegende Modell, das es kann
}
edit-need-instruction = Sag mir, was ich ändern soll, etwa `/edit mach den Himmel lila`.
edit-not-for-edit = `{$word}` gilt nicht für eine Bearbeitung; nur `--model` geht.
edit-kind-line = { $kind ->
    [vary] Variation von {$parent}.
    [vary_strong] Starke Variation von {$parent}.
   *[edit] Bearbeitung von {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Variation deines Bildes.
    [vary_strong] Starke Variation deines Bildes.
   *[edit] Bearbeitung deines Bildes.
}
edit-kind-line-album = { $n ->
    [one] Bearbeitung deines Bildes.
   *[other] Bearbeitung deiner {$n} Bilder.
}
edit-history-label = { $kind ->
    [vary] Variation von {$parent}
    [vary_strong] starke Variation von {$parent}
   *[edit] Bearbeitung von {$parent}
}
edit-history-label-own = { $kind ->
    [vary] Variation
    [vary_strong] starke Variation
   *[edit] Bearbeitung
}
edit-vary-button = Variieren ({$price})
edit-vary-strong-button = Stark variieren ({$price})
edit-edit-button = Bearbeiten ({$price})
edit-editor-choice = {$model} — {$price} pro Bearbeitung
edit-prompt-question = Was soll ich an diesem Bild ändern?
edit-modal-title = Bild bearbeiten
edit-modal-label = Was soll sich ändern?
edit-prompt-placeholder = mach den Himmel lila
edit-no-result = Ergebnis {$number} gibt es noch nicht. Erstelle zuerst ein Bild, dann `/vary 1`.
edit-usage = Verwendung: /edit <Dateipfad oder Ergebnisnummer> <was sich ändern soll>
edit-vary-usage = Verwendung: /vary [N] [strong]
edit-stored-image-gone = Dieses Bild habe ich nicht mehr gespeichert, deshalb kann ich es nicht variieren. Es wurde nichts abgebucht.
edit-pictures-gone = Die Bilder dieser Bearbeitung habe ich nicht mehr gespeichert. Du hast {$refunded} zurückbekommen.
edit-vary-working = { $kind ->
    [vary_strong] eine starke Variation
   *[vary] eine Variation
}
edit-photo-needs-caption = Schönes Bild! Um es zu ändern, schick es noch einmal mit einer Bildunterschrift, was sich ändern soll, oder antworte darauf mit `/edit mach den Himmel lila` (oder `/vary`).
