edit-no-image = Preciso de uma imagem para editar: anexe uma ou responda a uma imagem com `/edit o que mudar`.
edit-too-large = Esse arquivo tem {$size} MB, e eu aceito imagens de até {$cap} MB. Envie uma menor, por favor.
edit-not-an-image = `{$label}` não é uma imagem que eu consiga ler. Envie uma imagem PNG, JPEG, WebP, GIF ou HEIC.
edit-not-an-image-unnamed = Esse arquivo não é uma imagem que eu consiga ler. Envie uma imagem PNG, JPEG, WebP, GIF ou HEIC.
edit-corrupted = Essa imagem parece danificada: não consegui decodificá-la. Envie de novo, por favor.
edit-no-first-frame = Essa animação não tem um primeiro quadro que eu possa usar. Envie uma imagem estática, por favor.
edit-too-many-pixels = Essa imagem tem {$width}×{$height} pixels, mais do que eu consigo processar. Envie uma menor, por favor.
edit-too-many-pixels-unknown = Essa imagem tem pixels demais, mais do que eu consigo processar. Envie uma menor, por favor.
edit-too-many-images = O {$model} aceita no máximo { $most ->
    [one] {$most} imagem
    [many] {$most} de imagens
   *[other] {$most} imagens
} por edição.
edit-too-many-images-any = Nenhum modelo daqui aceita mais de { $most ->
    [one] {$most} imagem
    [many] {$most} de imagens
   *[other] {$most} imagens
} por edição.
edit-unreadable-path = Não consigo ler o arquivo `{$path}`.
edit-model-cannot-edit = O {$model} não edita imagens, mas o {$nearest} edita: escolha `{$id}`. Nada foi cobrado.
edit-model-cannot-edit-none = O {$model} não edita imagens, e nenhum modelo daqui consegue editar no momento.
edit-no-edit-models = No momento, nenhum modelo deste bot consegue editar imagens. Nada foi cobrado.
edit-instruction-too-long = Isso tem { $length ->
    [one] {$length} caractere
    [many] {$length} de caracteres
   *[other] {$length} caracteres
}, e o limite é {$limit}. Encurte o texto, por favor.
edit-editor-fallback = {" "}(o {$model} não edita imagens, então uso o {$picked})
edit-source-reason = { $kind ->
    [vary] foi ele que criou a imagem da qual você está fazendo uma variação
    [vary_strong] foi ele que criou a imagem da qual você está fazendo uma variação
   *[edit] foi ele que criou a imagem que você está editando
}
edit-source-reason-nearest = { $kind ->
    [vary] o {$model} criou a imagem da qual você está fazendo uma variação, mas não edita imagens, então uso o modelo mais próximo que edita
    [vary_strong] o {$model} criou a imagem da qual você está fazendo uma variação, mas não edita imagens, então uso o modelo mais próximo que edita
   *[edit] o {$model} criou a imagem que você está editando, mas não edita imagens, então uso o modelo mais próximo que edita
}
edit-need-instruction = Diga o que mudar, por exemplo `/edit deixe o céu roxo`.
edit-not-for-edit = `{$word}` não vale para uma edição; só `--model` vale.
edit-kind-line = { $kind ->
    [vary] Variação de {$parent}.
    [vary_strong] Variação forte de {$parent}.
   *[edit] Edição de {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Variação da sua imagem.
    [vary_strong] Variação forte da sua imagem.
   *[edit] Edição da sua imagem.
}
edit-kind-line-album = { $n ->
    [one] Edição da sua imagem.
    [many] Edição das suas {$n} de imagens.
   *[other] Edição das suas {$n} imagens.
}
edit-history-label = { $kind ->
    [vary] variação de {$parent}
    [vary_strong] variação forte de {$parent}
   *[edit] edição de {$parent}
}
edit-history-label-own = { $kind ->
    [vary] variação
    [vary_strong] variação forte
   *[edit] edição
}
edit-vary-button = Variar ({$price})
edit-vary-strong-button = Variar forte ({$price})
edit-edit-button = Editar ({$price})
edit-editor-choice = {$model} — {$price} por edição
edit-prompt-question = O que devo mudar nesta imagem?
edit-modal-title = Editar imagem
edit-modal-label = O que mudar
edit-prompt-placeholder = deixe o céu roxo
edit-no-result = Ainda não existe o resultado {$number}. Crie uma imagem primeiro e depois use `/vary 1`.
edit-usage = Uso: /edit <caminho do arquivo ou número do resultado> <o que mudar>
edit-vary-usage = Uso: /vary [N] [strong]
edit-stored-image-gone = Não tenho mais essa imagem guardada, então não consigo fazer uma variação dela. Nada foi cobrado.
edit-pictures-gone = Não tenho mais as imagens desta edição guardadas. Devolvi {$refunded} para você.
edit-vary-working = { $kind ->
    [vary_strong] uma variação forte
   *[vary] uma variação
}
edit-photo-needs-caption = Que imagem legal! Para mudá-la, envie de novo com uma legenda dizendo o que mudar, ou responda a ela com `/edit deixe o céu roxo` (ou `/vary`).
