language-current = Tu idioma aquí: {$name} (`{$code}`). Opciones: {$choices}.
language-server-current = Idioma predeterminado de este servidor: {$name} (`{$code}`).
language-set = Hecho: a partir de ahora te hablaré en {$name}.
language-server-set = Hecho: {$name} es ahora el idioma predeterminado de este servidor.
language-unknown = No hablo `{$code}`. Elige uno de estos: {$choices}.
language-reset = Hecho: vuelvo a seguir el idioma de tu aplicación ({$name}).
