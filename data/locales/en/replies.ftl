# Captions, buttons and short lines every chat surface shares (bot/services/replies.py).
# $n is a count; the other placeholders are ready-made text (model names, "5 credits").
credits = { $n ->
    [one] {$n} credit
   *[other] {$n} credits
}
add-model-hint = {" "}Add `--model {$model}` to use it.
demo-suffix = {" "}(offline demo renderer)
caption-model = {$model}{$demo}, because {$reason}.
caption-cost = Cost {$cost} · balance {$balance} · seed {$seed}
choice-again = Again on {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Compare on 3 ({$price})
progress-queued = Queued: position {$position}. {$model} will start soon.
progress-started = Generating with {$model}…
progress-finished = {$model} finished. Uploading…
progress-failed = {$model} failed.
model-line = {$name} (`{$id}`): {$price}, {$speed}, {$strengths}
models-demo = No provider keys are set: every model runs on the offline demo renderer.
intent-line = {$id}: “{$phrase}” → {$model}
deleted = Deleted.
already-counted = Already counted: that request was handled once.
sorry = Sorry, something went wrong on my side. If credits were taken for it, they were refunded.
button-expired = This button has expired. Start a new one with /imagine.
restarting = I'm restarting right now. Please try again in a minute.
stopped-and-refunded = I'm restarting, so I stopped this one. Its credits were refunded.
giveaway-enter = 🎉 Enter
giveaway-in = You're in! Tap again to leave.
giveaway-left = You left the giveaway.
giveaway-expired = This button has expired: that giveaway is not running here.
sent-privately = I sent it to you in a private chat.
no-private-chat = I can't message you privately (start a chat with me first), so here it is:
link-needs-private-chat = Link codes are private, so I only send them in a private chat, and I can't message you yet. Open a chat with me, press Start, and send /link there.
working-on = On it: {$what}…
not-delivered = Sorry, the {$model} image was made but I could not post it here (job {$job}), so your credits were refunded.
maybe-not-delivered = Telegram did not confirm the {$model} image in time (job {$job}). In case it did not reach you, your credits were refunded.
unknown-command = I don't know {$command}. Try /help.
cheaper-option = Tap below to run it on {$model} for {$price}.
reason-picked = you picked {$model}
reason-asked = you asked for {$intent}: {$why}
