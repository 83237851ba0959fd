# The credit commands' replies (bot/services/credits_commands.py, bot/services/community.py).
balance-you = You have {$credits}.
balance-other = {$name} has {$credits}.
history-empty = No credit history yet.
history-title = Your last credit changes:
daily-claimed = +{$amount}! You have {$balance}. Come back in 24 hours.
daily-off = Daily credits are turned off on this bot.
daily-wait = You already claimed today's credits. The next claim opens in {$wait}.
gave = You gave {$amount} to {$name}. You have {$left} left.
granted = Granted {$amount} to {$name}. They have {$balance}.
took = Took {$amount} from {$name}. They have {$balance}.
leaderboard-empty = Nobody here has credits yet.
leaderboard-title = Top balances here:
leaderboard-line = {$rank}. {$name}: {$credits}
linked = Linked! Both accounts now share one wallet: {$credits}.
link-code = Your link code is {$code}. On your other platform, send `/link {$code}` within 10 minutes. It works once.
name-someone = Name someone: reply to their message, or write @username.
