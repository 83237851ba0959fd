language-current = Votre langue ici : {$name} (`{$code}`). Au choix : {$choices}.
language-server-current = Langue par défaut de ce serveur : {$name} (`{$code}`).
language-set = C’est fait : désormais, je vous parle en {$name}.
language-server-set = C’est fait : {$name} est maintenant la langue par défaut de ce serveur.
language-unknown = Je ne parle pas `{$code}`. Choisissez parmi : {$choices}.
language-reset = C’est fait : je suis de nouveau la langue de votre application ({$name}).
