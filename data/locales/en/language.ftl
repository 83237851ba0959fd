# /language (bot/services/language_commands.py). $name is the language's own name.
language-current = Your language here: {$name} (`{$code}`). Choices: {$choices}.
language-server-current = This server's default language: {$name} (`{$code}`).
language-set = Done: I'll speak {$name} with you from now on.
language-server-set = Done: {$name} is now this server's default language.
language-unknown = I don't speak `{$code}`. Pick one of: {$choices}.
language-reset = Done: I'll follow your app's language again ({$name}).
