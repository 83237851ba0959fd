language-current = Ваш язык здесь: {$name} (`{$code}`). Можно выбрать: {$choices}.
language-server-current = Язык этого сервера по умолчанию: {$name} (`{$code}`).
language-set = Готово: теперь я говорю с вами на языке «{$name}».
language-server-set = Готово: язык этого сервера по умолчанию теперь «{$name}».
language-unknown = Я не говорю на `{$code}`. Выберите один из: {$choices}.
language-reset = Готово: снова следую языку вашего приложения ({$name}).
