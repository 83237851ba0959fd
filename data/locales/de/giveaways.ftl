giveaway-funded-bot = bezahlt vom Bot
giveaway-funded-host = bezahlt vom Veranstalter
giveaway-post = 🎉 {$title}: { $winners ->
        [one] {$winners} Gewinner bekommt
       *[other] {$winners} Gewinner bekommen
    } je {$each} ({$funded}).
    {$entrants} dabei · endet in {$ends} · ID `{$id}`
giveaway-none = Hier läuft gerade kein Gewinnspiel.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, {$entrants} dabei, endet in {$ends}
giveaway-cancelled = Gewinnspiel `{$id}` abgesagt.{$back}
giveaway-held-back = {" "}Die reservierten Credits sind zurück beim Veranstalter.
giveaway-went-back = {" "}Die Credits sind zurück beim Veranstalter.
giveaway-was-cancelled = Das Gewinnspiel `{$id}` wurde abgesagt.
giveaway-no-entrants = Das Gewinnspiel `{$id}` ({$title}) ist ohne Teilnehmer zu Ende gegangen.{$back}
giveaway-ended = 🎉 Das Gewinnspiel `{$id}` ({$title}) ist vorbei. Gewinner: {$names}: je {$each}.
giveaway-rerolled = Neu gezogen: {$names}
giveaway-toggled-in = Du bist beim Gewinnspiel `{$id}` dabei ({$entrants} Teilnehmer).
giveaway-toggled-out = Du hast das Gewinnspiel `{$id}` verlassen ({$entrants} Teilnehmer).
