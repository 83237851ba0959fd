credits = { $n ->
    [one] {$n} crédito
    [many] {$n} de créditos
   *[other] {$n} créditos
}
add-model-hint = {" "}Adicione `--model {$model}` para usá-lo.
demo-suffix = {" "}(renderizador de demonstração offline)
caption-model = {$model}{$demo}, porque: {$reason}.
caption-cost = Custo: {$cost} · saldo: {$balance} · semente {$seed}
choice-again = De novo no {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Comparar em 3 ({$price})
progress-queued = Na fila: posição {$position}. O {$model} começa em breve.
progress-started = Gerando com {$model}…
progress-finished = {$model} terminou. Enviando…
progress-failed = {$model} falhou.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = Nenhuma chave de provedor configurada: todos os modelos usam o renderizador de demonstração offline.
intent-line = {$id}: “{$phrase}” → {$model}
deleted = Apagada.
already-counted = Já contado: esse pedido foi atendido uma vez.
sorry = Desculpe, algo deu errado do meu lado. Se algum crédito foi cobrado, ele já foi devolvido.
button-expired = Este botão expirou. Comece de novo com /imagine.
restarting = Estou reiniciando agora. Tente de novo daqui a um minuto.
stopped-and-refunded = Estou reiniciando, então parei esta imagem. Os créditos dela foram devolvidos.
giveaway-enter = 🎉 Participar
giveaway-in = Você está participando! Toque de novo para sair.
giveaway-left = Você saiu do sorteio.
giveaway-expired = Este botão expirou: esse sorteio não está mais rolando aqui.
sent-privately = Mandei para você no chat privado.
no-private-chat = Não consigo falar com você no privado (abra um chat comigo primeiro), então aqui está:
link-needs-private-chat = Códigos de vinculação são privados, então só mando no chat privado, e ainda não consigo falar com você. Abra um chat comigo, toque em Iniciar e envie /link lá.
working-on = Já vou: {$what}…
not-delivered = Desculpe, a imagem do {$model} ficou pronta, mas não consegui publicá-la aqui (tarefa {$job}), então seus créditos foram devolvidos.
maybe-not-delivered = O Telegram não confirmou a imagem do {$model} a tempo (tarefa {$job}). Caso ela não tenha chegado, seus créditos foram devolvidos.
unknown-command = Não conheço {$command}. Experimente /help.
cheaper-option = Toque abaixo para gerar no {$model} por {$price}.
reason-picked = você escolheu o {$model}
reason-asked = você pediu {$intent}: {$why}
