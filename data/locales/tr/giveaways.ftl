giveaway-funded-bot = bot ödüyor
giveaway-funded-host = düzenleyen ödüyor
giveaway-post = 🎉 {$title}: {$winners} kazanan kişi başı {$each} alıyor ({$funded}).
    {$entrants} katılımcı · {$ends} sonra bitiyor · id `{$id}`
giveaway-none = Burada şu anda süren bir çekiliş yok.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, {$entrants} katılımcı, {$ends} sonra bitiyor
giveaway-cancelled = `{$id}` çekilişi iptal edildi.{$back}
giveaway-held-back = {" "}Ayrılan krediler düzenleyene geri döndü.
giveaway-went-back = {" "}Krediler düzenleyene geri döndü.
giveaway-was-cancelled = `{$id}` çekilişi iptal edilmişti.
giveaway-no-entrants = `{$id}` ({$title}) çekilişi katılımcı olmadan sona erdi.{$back}
giveaway-ended = 🎉 `{$id}` ({$title}) çekilişi sona erdi. Kazananlar: {$names}: her birine {$each}.
giveaway-rerolled = Yeni kazananlar: {$names}
giveaway-toggled-in = `{$id}` çekilişine katıldınız ({$entrants} katılımcı).
giveaway-toggled-out = `{$id}` çekilişinden ayrıldınız ({$entrants} katılımcı).
