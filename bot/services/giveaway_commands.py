"""The giveaway commands: declared once, and the GiveawayService call behind each.

    /giveaway start credits winners duration [title] [from_me]
    /giveaway list · end|cancel id (host or admins) · reroll id [winners] (admins)
    /giveaway enter|leave id   (text surfaces; on Discord the Enter button does it)
"""

from __future__ import annotations

from bot import i18n
from bot.domain.commands import SURFACES, TEXT_SURFACES, Access, Command, Kind, Option, Source
from bot.domain.community import MAX_AMOUNT, MAX_WINNERS
from bot.i18n import t
from bot.services.commands import Call, Cancelled, Handler, Reply, Rerolled
from bot.services.community_text import giveaway_text, outcome_text
from bot.services.giveaways import GiveawayService
from bot.services.replies import credits

SECTION = "Giveaways"
USAGE = "/giveaway start|list|end ID|cancel ID|reroll ID|enter ID|leave ID"
USE = f"Use {USAGE}."
START_EXAMPLE = "/giveaway start credits:100 winners:2 duration:1h30m Summer drop"


def _by_id(name: str, description: str, help: str, *, access: Access = Access.HOST_OR_ADMIN,
           id_help: str = "The giveaway (see /giveaway list)", suggest: bool = False,
           more: tuple[Option, ...] = (), surfaces: frozenset[str] = SURFACES) -> Command:
    """A subcommand about one giveaway, named by its id (suggested from the running ones)."""
    giveaway = Option("id", Kind.TEXT, id_help, required=True, min=1, max=40,
                      autocomplete=Source.RUNNING_GIVEAWAYS if suggest else None)
    words = "".join(f" [{o.name}]" for o in more)
    return Command(name, description, usage=f"/giveaway {name} ID{words}", help=help,
                   access=access, options=(giveaway, *more), missing=USE, surfaces=surfaces)


START = Command(
    "start", "Start a giveaway (admins: paid by the bot)", usage=START_EXAMPLE,
    help="start one (tap Enter to join, tap again to leave)",
    notes=("paid by the bot when an admin starts it (unless from me is set), else from the "
           "host's own credits",),
    named=True, missing=f"Start one like `{START_EXAMPLE}` (missing {{missing}}).",
    options=(
        Option("credits", Kind.INTEGER, "Credits each winner gets", required=True, min=1,
               max=MAX_AMOUNT),
        Option("winners", Kind.INTEGER, "How many winners", required=True, min=1,
               max=MAX_WINNERS),
        Option("duration", Kind.TEXT, "How long: 30s, 10m, 1h30m, 2d", required=True, min=2,
               max=20),
        Option("title", Kind.TEXT, "What it is for", min=1, max=100, rest=True),
        Option("from_me", Kind.BOOLEAN,
               "Pay the prizes from your own credits (always so for non-admins)",
               default=False, text_name="from"),
    ),
)
GIVEAWAY = Command(
    "giveaway", "Credits giveaways with an Enter button",
    menu="Giveaways: start credits:100 winners:2 duration:1h | list | end ID", usage=USAGE,
    dms=False, section=SECTION, missing=USE,
    subcommands=(
        START,
        _by_id("end", "End a giveaway now and pay its winners", "end it now and pay",
               suggest=True),
        _by_id("cancel", "Cancel a giveaway; held credits go back",
               "cancel it (a held prize goes back)", suggest=True),
        _by_id("reroll", "Admins: draw more winners of an ended giveaway",
               "draw more winners of an ended one", access=Access.ADMINS,
               id_help="The ended giveaway",
               more=(Option("winners", Kind.INTEGER, "How many to draw", min=1,
                            max=MAX_WINNERS, default=1),)),
        Command("list", "Giveaways running here", help="the giveaways running here"),
        _by_id("enter", "Enter a giveaway (as its Enter button does)", "enter one",
               access=Access.EVERYONE, surfaces=TEXT_SURFACES),
        _by_id("leave", "Leave a giveaway you entered", "leave one", access=Access.EVERYONE,
               surfaces=TEXT_SURFACES),
    ),
)
COMMANDS = (GIVEAWAY,)


def _id(call: Call) -> str:
    return str(call.args.get("id")).strip("`")


class GiveawayCommands:
    def __init__(self, giveaways: GiveawayService) -> None:
        self.giveaways = giveaways

    def handlers(self) -> dict[str, Handler]:
        return {"giveaway start": self.start, "giveaway list": self.list,
                "giveaway end": self.end, "giveaway cancel": self.cancel,
                "giveaway reroll": self.reroll, "giveaway enter": self.enter,
                "giveaway leave": self.leave}

    async def start(self, call: Call) -> Reply:
        a = call.args
        g = await self.giveaways.start(call.ctx, a.get("credits"), a.get("winners"),
                                       a.get("duration"), a.get("title") or "",
                                       bool(a.get("from_me")))
        return Reply(giveaway_text(g, self.giveaways.clock()), giveaway=g)

    async def list(self, call: Call) -> Reply:
        running = await self.giveaways.list(call.ctx)
        if not running:
            return Reply(t("giveaway-none"))
        now = self.giveaways.clock()
        return Reply("\n".join(
            t("giveaway-list-line", id=g.id, title=g.title, winners=g.winners,
              each=credits(g.credits_each), entrants=g.entrants,
              ends=i18n.duration(g.ends_at - now))
            for g in running
        ))

    async def end(self, call: Call) -> Reply:
        outcome = await self.giveaways.end(call.ctx, _id(call))
        return Reply(outcome_text(outcome), outcome=outcome)

    async def cancel(self, call: Call) -> Reply:
        g = await self.giveaways.cancel(call.ctx, _id(call))
        back = t("giveaway-held-back") if g.funded_by == "host" else ""
        return Reply(t("giveaway-cancelled", id=g.id, back=back), outcome=Cancelled(g))

    async def reroll(self, call: Call) -> Reply:
        new = await self.giveaways.reroll(call.ctx, _id(call), call.args.get("winners"))
        g = await self.giveaways.get(_id(call))
        return Reply(t("giveaway-rerolled", names=", ".join(call.name(u) for u in new)),
                     outcome=Rerolled(g, new))

    async def enter(self, call: Call) -> Reply:
        return await self._toggle(call, leave=False)

    async def leave(self, call: Call) -> Reply:
        return await self._toggle(call, leave=True)

    async def _toggle(self, call: Call, leave: bool) -> Reply:
        inside, g = await self.giveaways.toggle(call.ctx, _id(call), leave=leave)
        key = "giveaway-toggled-in" if inside else "giveaway-toggled-out"
        return Reply(t(key, id=g.id, entrants=g.entrants))
