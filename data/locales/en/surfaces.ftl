# Words only one chat surface shows (adapters/discord, adapters/telegram): embeds, buttons,
# giveaway posts and announcements. $when is a Discord timestamp (<t:…:R>); $host and
# $names are mentions; $title is the host's own words.
embed-demo-title = {$model} · demo image
embed-reason = {$model}, because {$reason}.
embed-for = for {$name}
embed-cost = Cost
embed-balance-left = Balance left
embed-seed = Seed
embed-job = Job {$job}
embed-demo-footer = Demo image: drawn by the offline demo renderer, not by {$model}. Job {$job}
models-title = Models (credits per image)
button-delete = Delete
rerun-placeholder = Rerun on…
run-on = Run on {$model} ({$price})
unposted = Your image was made, but I could not post it here, so your credits were refunded. Please try again in a moment or ask an admin to check my permissions in this channel.
command-gone = That command is gone. Try /help for the current ones.
bad-input = I could not use that input: {$error}
hint-button = {$text} To use it, use the button below.
hint-rerun = {$text} To use it, run /imagine again with model: {$model}.
dg-prize = {$winners} × {$each} ({$funded})
dg-state-ended = {" "}· ended
dg-state-cancelled = {" "}· cancelled
dg-description = Click **Enter** to join. Winners are drawn at random and paid automatically.
dg-field-prize = Prize
dg-field-host = Host
dg-field-entrants = Entrants
dg-field-ends = Ends
dg-field-cancelled = Cancelled
dg-field-winners = Winners
dg-nobody = Nobody entered.
dg-footer = Giveaway {$id}
dg-announce-none = 🎉 **{$title}** ended with no entrants, so nobody won.{$back} (host: {$host})
dg-announce-none-back = {" "}The {$credits} went back to {$host}.
dg-announce = 🎉 **{$title}** has ended! Congratulations {$names}: {$each} each, already in your balance.{$back} (host: {$host})
dg-announce-back = {" "}{$credits} went back to the host.
dg-entered = You're in **{$title}**! Winners are drawn {$when}. (Clicking Enter again takes you out.)
dg-left = You left **{$title}**. Click Enter again to rejoin.
dg-end-announced = Giveaway `{$id}` ended; the winners are announced here.
tg-for = For {$name}
tg-each = {$credits} each
tg-ended-head = 🎉 <b>{$title}</b> has ended ({$entrants} entered).
tg-winners-line = { $count ->
    [one] Winner
   *[other] Winners
}: {$names}: {$prize}.
tg-nobody = Nobody entered.
tg-congrats = 🎉 Congratulations {$names}! You won {$prize} in “{$title}”; the credits are in your balance.
tg-no-entrants = The giveaway “{$title}” ended with no entrants.
tg-host-ended = {$host}, your giveaway has ended.
tg-back-to-you = {" "}{$credits} went back to you.
tg-hosted-by = Hosted by {$host}. Tap Enter to join, again to leave.
tg-cancelled = 🚫 <b>{$title}</b> was cancelled.
dg-button-enter = Enter
dg-button-ended = Ended
tg-compare-what = compare on 3
dg-gave = {$giver} gave {$receiver} {$amount}.
dg-left-after = You have {$left} left.
leaderboard-heading = Top balances here
