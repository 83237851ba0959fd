giveaway-funded-bot = pago pelo bot
giveaway-funded-host = pago pelo anfitrião
giveaway-post = 🎉 {$title}: { $winners ->
        [one] {$winners} vencedor ganha
        [many] {$winners} vencedores ganham
       *[other] {$winners} vencedores ganham
    } {$each} cada ({$funded}).
    { $entrants ->
        [one] {$entrants} participante
        [many] {$entrants} participantes
       *[other] {$entrants} participantes
    } · termina em {$ends} · id `{$id}`
giveaway-none = Nenhum sorteio rolando aqui.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, {$entrants} participantes, termina em {$ends}
giveaway-cancelled = Sorteio `{$id}` cancelado.{$back}
giveaway-held-back = {" "}Os créditos reservados voltaram para o anfitrião.
giveaway-went-back = {" "}Os créditos voltaram para o anfitrião.
giveaway-was-cancelled = O sorteio `{$id}` foi cancelado.
giveaway-no-entrants = O sorteio `{$id}` ({$title}) terminou sem participantes.{$back}
giveaway-ended = 🎉 O sorteio `{$id}` ({$title}) terminou. Vencedores: {$names}: {$each} cada.
giveaway-rerolled = Novos vencedores: {$names}
giveaway-toggled-in = Você está no sorteio `{$id}` ({$entrants} participantes).
giveaway-toggled-out = Você saiu do sorteio `{$id}` ({$entrants} participantes).
