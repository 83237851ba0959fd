# Giveaway replies and posts (bot/services/giveaway_commands.py, community_text.py).
giveaway-funded-bot = funded by the bot
giveaway-funded-host = funded by the host
giveaway-post = 🎉 {$title}: {$winners} winner(s) get {$each} each ({$funded}).
    {$entrants} entered · ends in {$ends} · id `{$id}`
giveaway-none = No giveaways are running here.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, {$entrants} entered, ends in {$ends}
giveaway-cancelled = Giveaway `{$id}` cancelled.{$back}
giveaway-held-back = {" "}The held credits went back to the host.
giveaway-went-back = {" "}The credits went back to the host.
giveaway-was-cancelled = Giveaway `{$id}` was cancelled.
giveaway-no-entrants = Giveaway `{$id}` ({$title}) ended with no entrants.{$back}
giveaway-ended = 🎉 Giveaway `{$id}` ({$title}) ended. Winners: {$names}: {$each} each.
giveaway-rerolled = New winner(s): {$names}
giveaway-toggled-in = You are in giveaway `{$id}` ({$entrants} entered).
giveaway-toggled-out = You left giveaway `{$id}` ({$entrants} entered).
