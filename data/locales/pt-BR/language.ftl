language-current = Seu idioma aqui: {$name} (`{$code}`). Opções: {$choices}.
language-server-current = Idioma padrão deste servidor: {$name} (`{$code}`).
language-set = Pronto: de agora em diante vou falar com você em {$name}.
language-server-set = Pronto: {$name} agora é o idioma padrão deste servidor.
language-unknown = Não falo `{$code}`. Escolha um destes: {$choices}.
language-reset = Pronto: volto a seguir o idioma do seu aplicativo ({$name}).
