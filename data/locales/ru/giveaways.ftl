giveaway-funded-bot = за счёт бота
giveaway-funded-host = за счёт организатора
giveaway-post = 🎉 {$title}: { $winners ->
        [one] {$winners} победитель получит
        [few] {$winners} победителя получат
        [many] {$winners} победителей получат
       *[other] {$winners} победителя получат
    } по {$each} ({$funded}).
    Участников: {$entrants} · до конца {$ends} · id `{$id}`
giveaway-none = Здесь сейчас нет розыгрышей.
giveaway-list-line = `{$id}` {$title}: {$winners} x {$each}, участников: {$entrants}, до конца {$ends}
giveaway-cancelled = Розыгрыш `{$id}` отменён.{$back}
giveaway-held-back = {" "}Зарезервированные кредиты вернулись организатору.
giveaway-went-back = {" "}Кредиты вернулись организатору.
giveaway-was-cancelled = Розыгрыш `{$id}` был отменён.
giveaway-no-entrants = Розыгрыш `{$id}` ({$title}) закончился без участников.{$back}
giveaway-ended = 🎉 Розыгрыш `{$id}` ({$title}) завершён. Победители: {$names}, каждому по {$each}.
giveaway-rerolled = Новые победители: {$names}
giveaway-toggled-in = Вы участвуете в розыгрыше `{$id}` (участников: {$entrants}).
giveaway-toggled-out = Вы вышли из розыгрыша `{$id}` (участников: {$entrants}).
