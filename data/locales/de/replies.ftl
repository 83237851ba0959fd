credits = { $n ->
    [one] {$n} Credit
   *[other] {$n} Credits
}
add-model-hint = {" "}Mit `--model {$model}` nimmst du es.
demo-suffix = {" "}(Offline-Demo-Renderer)
caption-model = {$model}{$demo}, weil: {$reason}.
caption-cost = Kosten: {$cost} · Guthaben: {$balance} · Seed {$seed}
choice-again = Nochmal mit {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Auf 3 vergleichen ({$price})
progress-queued = In der Warteschlange: Platz {$position}. {$model} legt gleich los.
progress-started = {$model} erstellt dein Bild…
progress-finished = {$model} ist fertig. Wird hochgeladen…
progress-failed = {$model} hat es nicht geschafft.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = Es sind keine Anbieter-Schlüssel hinterlegt: Alle Modelle laufen auf dem Offline-Demo-Renderer.
intent-line = {$id}: „{$phrase}“ → {$model}
deleted = Gelöscht.
already-counted = Schon gezählt: Diese Anfrage wurde einmal bearbeitet.
sorry = Entschuldige, bei mir ist etwas schiefgelaufen. Falls dafür Credits abgebucht wurden, sind sie schon zurückerstattet.
button-expired = Dieser Button ist abgelaufen. Starte neu mit /imagine.
restarting = Ich starte gerade neu. Versuch es bitte in einer Minute noch einmal.
stopped-and-refunded = Ich starte neu und habe dieses Bild deshalb abgebrochen. Die Credits sind zurückerstattet.
giveaway-enter = 🎉 Mitmachen
giveaway-in = Du bist dabei! Tippe nochmal, um auszusteigen.
giveaway-left = Du hast das Gewinnspiel verlassen.
giveaway-expired = Dieser Button ist abgelaufen: Das Gewinnspiel läuft hier nicht mehr.
sent-privately = Ich habe es dir privat geschickt.
no-private-chat = Ich kann dir nicht privat schreiben (starte zuerst einen Chat mit mir), also hier:
link-needs-private-chat = Verknüpfungscodes sind privat, deshalb schicke ich sie nur im privaten Chat, und dort kann ich dir noch nicht schreiben. Öffne einen Chat mit mir, tippe auf Starten und sende dort /link.
working-on = Bin dran: {$what}…
not-delivered = Entschuldige, das Bild von {$model} ist fertig, aber ich konnte es hier nicht posten (Auftrag {$job}). Deine Credits sind zurückerstattet.
maybe-not-delivered = Telegram hat das Bild von {$model} nicht rechtzeitig bestätigt (Auftrag {$job}). Falls es nicht angekommen ist: Deine Credits sind zurückerstattet.
unknown-command = {$command} kenne ich nicht. Versuch es mit /help.
cheaper-option = Tippe unten, um es mit {$model} für {$price} zu erstellen.
reason-picked = du hast {$model} gewählt
reason-asked = du wolltest {$intent}: {$why}
