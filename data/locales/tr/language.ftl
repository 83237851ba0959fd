language-current = Buradaki diliniz: {$name} (`{$code}`). Seçenekler: {$choices}.
language-server-current = Bu sunucunun varsayılan dili: {$name} (`{$code}`).
language-set = Tamam: artık sizinle {$name} konuşacağım.
language-server-set = Tamam: {$name} artık bu sunucunun varsayılan dili.
language-unknown = `{$code}` dilini konuşmuyorum. Şunlardan birini seçin: {$choices}.
language-reset = Tamam: yeniden uygulamanızın dilini izliyorum ({$name}).
