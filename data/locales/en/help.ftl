# The /help text (bot/services/help.py); command lines come from commands.ftl.
help-intro = I make images from your words and pick the right model for what you ask.
help-intents = Intents
help-intents-more = {" "}(what picks the model)
help-models = Models
help-models-more = {" "}(credits per image)
help-section-credits = Credits
help-section-giveaways = Giveaways
help-balance = You have {$balance}. The cheapest model, {$model}, costs {$price}.
help-section-safety = Safety
