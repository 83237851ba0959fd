language-current = Deine Sprache hier: {$name} (`{$code}`). Zur Wahl: {$choices}.
language-server-current = Standardsprache dieses Servers: {$name} (`{$code}`).
language-set = Erledigt: Ab jetzt spreche ich {$name} mit dir.
language-server-set = Erledigt: {$name} ist jetzt die Standardsprache dieses Servers.
language-unknown = `{$code}` spreche ich nicht. Wähle eine davon: {$choices}.
language-reset = Erledigt: Ich folge wieder der Sprache deiner App ({$name}).
