"""The image commands. Each surface runs them itself (a generation is a live flow with
status edits and buttons; help and the model list are laid out per surface), so they have
no handler here: the declarations give them their names, options and help lines.
"""

from __future__ import annotations

from bot.domain.commands import Command, Kind, Option, Source
from bot.domain.requests import MAX_PROMPT_CHARS, MAX_SEED

CONSOLE = frozenset({"console"})

IMAGINE = Command(
    "imagine", "Make an image; I pick the right model",
    menu="Make an image: /imagine <prompt> [--model M] [--ar 16:9]",
    usage="/imagine <prompt> [--model M] [--intent I] [--ar W:H] [--seed N]",
    help="an image from your words, on the model that fits",
    notes=(f"prompts up to {MAX_PROMPT_CHARS:,} characters; under each image: again, another "
           "model, or compare on 3 (whoever picks pays)",),
    options=(
        Option("prompt", Kind.TEXT, "What to draw", required=True, min=1, max=MAX_PROMPT_CHARS),
        Option("model", Kind.TEXT, "A model to use (default: picked from your prompt)",
               autocomplete=Source.MODELS),
        Option("intent", Kind.TEXT, "What the image is for; picks the model",
               choices=Source.INTENTS),
        Option("aspect", Kind.TEXT, "Aspect ratio, like 16:9", autocomplete=Source.ASPECTS),
        Option("seed", Kind.INTEGER, "A seed, for repeatable images", min=0, max=MAX_SEED),
        Option("image", Kind.ATTACHMENT, "A picture to start from (then the prompt edits it)"),
    ),
)
TEXT_EDITS = frozenset({"telegram", "console"})
EDIT = Command(
    "edit", "Change a picture as you say",
    usage="/edit <what to change>",
    help="reply to any picture (or put it in a photo's caption); I change it as you say",
    notes=("in a private chat a photo with a caption is an edit too; "
           "on the console: /edit <file or result number> <what to change>",),
    # Discord's options; the text surfaces take the picture from the photo or the reply.
    options=(
        Option("image", Kind.ATTACHMENT, "The picture to change", required=True),
        Option("prompt", Kind.TEXT, "What to change", required=True, min=1,
               max=MAX_PROMPT_CHARS),
        Option("model", Kind.TEXT, "A model that can edit (default: picked from your words)",
               autocomplete=Source.EDITORS),
        Option("image2", Kind.ATTACHMENT, "A second picture (a reference)"),
        Option("image3", Kind.ATTACHMENT, "A third picture (a reference)"),
    ),
)
VARY = Command(
    "vary", "A variation of a picture (add `strong` for a bolder one)",
    usage="/vary [strong]", help="reply to a picture: a variation of it (console: /vary N)",
    options=(Option("strength", Kind.TEXT, "`strong` for a bolder variation"),),
    surfaces=TEXT_EDITS,
)
COMMANDS = (
    IMAGINE,
    EDIT,
    VARY,
    Command("models", "Models and their prices in credits", help="models and prices"),
)
LAST = (  # at the end of the menu
    Command("help", "How to use this bot", menu="What I do, models, prices and your balance",
            help="this text"),
    Command("start", "Start here", surfaces=frozenset({"telegram", "console"}), in_help=False),
    Command("rerun", "Run the last prompt again on one of its choices", usage="/rerun N",
            help="choice N under the last image (1: the same model again)", surfaces=CONSOLE,
            options=(Option("choice", Kind.INTEGER, "Which choice", min=1),)),
    Command("compare", "Compare the last prompt on 3 models", surfaces=CONSOLE,
            help="the last prompt on 3 models"),
    Command("quit", "Leave the console", surfaces=CONSOLE, help="leave"),
)
