credits = { $n ->
    [one] {$n} crédito
    [many] {$n} de créditos
   *[other] {$n} créditos
}
add-model-hint = {" "}Añade `--model {$model}` para usarlo.
demo-suffix = {" "}(renderizador de demostración sin conexión)
caption-model = {$model}{$demo}, porque: {$reason}.
caption-cost = Coste: {$cost} · saldo: {$balance} · semilla {$seed}
choice-again = Otra vez con {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Comparar en 3 ({$price})
progress-queued = En cola: posición {$position}. {$model} empezará pronto.
progress-started = Generando con {$model}…
progress-finished = {$model} ha terminado. Subiendo…
progress-failed = {$model} ha fallado.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = No hay claves de proveedores: todos los modelos usan el renderizador de demostración sin conexión.
intent-line = {$id}: «{$phrase}» → {$model}
deleted = Borrado.
already-counted = Ya contado: esa petición se atendió una vez.
sorry = Lo siento, algo ha fallado por mi parte. Si se cobraron créditos por ello, ya se han devuelto.
button-expired = Este botón ha caducado. Empieza de nuevo con /imagine.
restarting = Me estoy reiniciando ahora mismo. Vuelve a intentarlo en un minuto.
stopped-and-refunded = Me estoy reiniciando, así que he detenido esta imagen. Sus créditos se han devuelto.
giveaway-enter = 🎉 Participar
giveaway-in = ¡Ya participas! Vuelve a pulsar para salir.
giveaway-left = Has salido del sorteo.
giveaway-expired = Este botón ha caducado: ese sorteo ya no está activo aquí.
sent-privately = Te lo he enviado por chat privado.
no-private-chat = No puedo escribirte en privado (abre antes un chat conmigo), así que aquí lo tienes:
link-needs-private-chat = Los códigos de vinculación son privados: solo los envío por chat privado y todavía no puedo escribirte. Abre un chat conmigo, pulsa Iniciar y envía /link allí.
working-on = Voy: {$what}…
not-delivered = Lo siento, la imagen de {$model} se creó, pero no pude publicarla aquí (trabajo {$job}), así que se te han devuelto los créditos.
maybe-not-delivered = Telegram no confirmó a tiempo la imagen de {$model} (trabajo {$job}). Por si no te llegó, se te han devuelto los créditos.
unknown-command = No conozco {$command}. Prueba con /help.
cheaper-option = Pulsa abajo para crearla con {$model} por {$price}.
reason-picked = has elegido {$model}
reason-asked = pediste {$intent}: {$why}
