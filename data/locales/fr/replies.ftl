credits = { $n ->
    [one] {$n} crédit
    [many] {$n} de crédits
   *[other] {$n} crédits
}
add-model-hint = {" "}Ajoutez `--model {$model}` pour l’utiliser.
demo-suffix = {" "}(rendu de démonstration hors ligne)
caption-model = {$model}{$demo}, car : {$reason}.
caption-cost = Coût : {$cost} · solde : {$balance} · graine {$seed}
choice-again = Encore avec {$model} ({$price})
choice-model = {$model} ({$price})
choice-compare = Comparer sur 3 ({$price})
progress-queued = En file d’attente : position {$position}. {$model} va bientôt commencer.
progress-started = {$model} génère votre image…
progress-finished = {$model} a terminé. Envoi en cours…
progress-failed = {$model} a échoué.
model-line = {$name} (`{$id}`) : {$price}, {$speed}, {$strengths}
models-demo = Aucune clé de fournisseur n’est configurée : tous les modèles utilisent le rendu de démonstration hors ligne.
intent-line = {$id} : « {$phrase} » → {$model}
deleted = Supprimé.
already-counted = Déjà pris en compte : cette demande a été traitée une fois.
sorry = Désolé, quelque chose s’est mal passé de mon côté. Si des crédits ont été débités, ils ont été remboursés.
button-expired = Ce bouton a expiré. Recommencez avec /imagine.
restarting = Je redémarre en ce moment. Réessayez dans une minute.
stopped-and-refunded = Je redémarre, j’ai donc arrêté cette image. Ses crédits ont été remboursés.
giveaway-enter = 🎉 Participer
giveaway-in = Vous participez ! Touchez à nouveau pour vous retirer.
giveaway-left = Vous avez quitté le tirage au sort.
giveaway-expired = Ce bouton a expiré : ce tirage au sort n’a plus lieu ici.
sent-privately = Je vous l’ai envoyé en message privé.
no-private-chat = Je ne peux pas vous écrire en privé (ouvrez d’abord une discussion avec moi), alors le voici :
link-needs-private-chat = Les codes d’association sont privés : je ne les envoie qu’en discussion privée, et je ne peux pas encore vous écrire. Ouvrez une discussion avec moi, appuyez sur Démarrer et envoyez /link.
working-on = C’est parti : {$what}…
not-delivered = Désolé, l’image de {$model} est prête mais je n’ai pas pu la publier ici (tâche {$job}) : vos crédits ont été remboursés.
maybe-not-delivered = Telegram n’a pas confirmé à temps l’image de {$model} (tâche {$job}). Au cas où elle ne vous serait pas parvenue, vos crédits ont été remboursés.
unknown-command = Je ne connais pas {$command}. Essayez /help.
cheaper-option = Touchez ci-dessous pour la créer avec {$model} pour {$price}.
reason-picked = vous avez choisi {$model}
reason-asked = vous avez demandé {$intent} : {$why}
