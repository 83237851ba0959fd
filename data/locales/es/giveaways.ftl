giveaway-funded-bot = lo paga el bot
giveaway-funded-host = lo paga el anfitrión
giveaway-post = 🎉 {$title}: { $winners ->
        [one] {$winners} ganador recibe
        [many] {$winners} ganadores reciben
       *[other] {$winners} ganadores reciben
    } {$each} cada uno ({$funded}).
    { $entrants ->
        [one] {$entrants} participante
        [many] {$entrants} participantes
       *[other] {$entrants} participantes
    } · termina en {$ends} · id `{$id}`
giveaway-none = No hay sorteos activos aquí.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, {$entrants} participantes, termina en {$ends}
giveaway-cancelled = Sorteo `{$id}` cancelado.{$back}
giveaway-held-back = {" "}Los créditos retenidos han vuelto al anfitrión.
giveaway-went-back = {" "}Los créditos han vuelto al anfitrión.
giveaway-was-cancelled = El sorteo `{$id}` fue cancelado.
giveaway-no-entrants = El sorteo `{$id}` ({$title}) terminó sin participantes.{$back}
giveaway-ended = 🎉 El sorteo `{$id}` ({$title}) ha terminado. Ganadores: {$names}: {$each} cada uno.
giveaway-rerolled = Nuevos ganadores: {$names}
giveaway-toggled-in = Participas en el sorteo `{$id}` ({$entrants} participantes).
giveaway-toggled-out = Has salido del sorteo `{$id}` ({$entrants} participantes).
