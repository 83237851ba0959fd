giveaway-funded-bot = offert par le bot
giveaway-funded-host = offert par l’organisateur
giveaway-post = 🎉 {$title} : { $winners ->
        [one] {$winners} gagnant reçoit
        [many] {$winners} gagnants reçoivent
       *[other] {$winners} gagnants reçoivent
    } {$each} chacun ({$funded}).
    { $entrants ->
        [one] {$entrants} participant
        [many] {$entrants} participants
       *[other] {$entrants} participants
    } · se termine dans {$ends} · id `{$id}`
giveaway-none = Aucun tirage au sort en cours ici.
giveaway-list-line = `{$id}` {$title} : {$winners} x {$each}, {$entrants} participants, se termine dans {$ends}
giveaway-cancelled = Tirage au sort `{$id}` annulé.{$back}
giveaway-held-back = {" "}Les crédits réservés sont revenus à l’organisateur.
giveaway-went-back = {" "}Les crédits sont revenus à l’organisateur.
giveaway-was-cancelled = Le tirage au sort `{$id}` a été annulé.
giveaway-no-entrants = Le tirage au sort `{$id}` ({$title}) s’est terminé sans participants.{$back}
giveaway-ended = 🎉 Le tirage au sort `{$id}` ({$title}) est terminé. Gagnants : {$names} : {$each} chacun.
giveaway-rerolled = Nouveaux gagnants : {$names}
giveaway-toggled-in = Vous participez au tirage au sort `{$id}` ({$entrants} participants).
giveaway-toggled-out = Vous avez quitté le tirage au sort `{$id}` ({$entrants} participants).
