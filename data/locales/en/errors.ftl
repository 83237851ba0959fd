# The messages of domain errors (bot/domain/errors.py) raised by the services. Counts with
# their noun ("5 credits") arrive ready-made in the reader's language.
handed-off = Another worker of this bot is finishing your image.
needs-credits = That needs {$cost} and you have {$have}.
not-enough-cheaper = {$model} costs {$price} and you have {$have}. {$cheaper} ({$cheaper_price}) fits your balance.
not-enough-none = {$model} costs {$price} and you have {$have}. No model fits your balance right now.
compare-not-enough = Compare on 3 costs {$total} ({$prices}) and you have {$have}.
no-aspect = No model here supports the aspect ratio {$aspect}.
already-on-it = Already on it: that request was counted once.
delete-not-yours = Only the person who asked for this image, or an admin here, can delete it.
admins-only = Only admins of this server or group can use {$action}.
host-or-admin-only = Only the host or an admin can use {$action}.
give-self = You can't give credits to yourself.
give-bot = Bots don't need credits; give them to a person.
give-same-wallet = That account shares your wallet already.
give-not-enough = You have {$have}, so you can't give {$amount}.
giveaway-not-enough = This giveaway pays {$count} x {$each} = {$total} from your balance, and you have {$have}.
giveaway-bots = Bots can't enter giveaways.
giveaway-not-here = There is no giveaway `{$id}` here. See /giveaway list.
seed-not-number = The seed must be a whole number, not `{$value}`.
seed-range = The seed must be between 0 and {$max}.
prompt-missing = Tell me what to draw: `/imagine a fox in the snow`.
prompt-too-long = That prompt is {$length} characters; the limit is {$limit}. Please shorten it.
amount-not-number = The amount must be a whole number, not `{$value}`.
amount-too-small = The amount must be at least 1.
amount-too-big = The amount can be at most {$max}.
prize-not-number = The prize must be a whole number, not `{$value}`.
prize-too-small = The prize must be at least 1.
prize-too-big = The prize can be at most {$max}.
winners-not-number = The number of winners must be a whole number, not `{$value}`.
winners-too-small = The number of winners must be at least 1.
winners-too-big = The number of winners can be at most {$max}.
