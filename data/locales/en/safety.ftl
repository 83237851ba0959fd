# What a member is told when the safety policy stops a prompt (bot/services/safety.py).
safety-refused-everywhere = That prompt is refused everywhere by this bot's rules. Nothing was charged.
safety-server-word = That prompt uses a word this server's admins blocked. Nothing was charged.
safety-level = That prompt is not allowed at the {$level} safety level that applies here (/safety says why). Nothing was charged.
safety-timed-out-now = {" "}That is {$strikes} blocked prompts in {$window}: you are timed out here for {$span}.
safety-auto-ban = You are timed out here after repeated blocked prompts, {$until}. Nothing was charged.
safety-ban = An admin has banned you from making images here, {$until}.{$why} Nothing was charged.
safety-ban-why = {" "}Reason: {$reason}.
until-lifted = until an admin lifts it
until-time = until {$time}
