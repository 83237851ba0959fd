# Editing and varying pictures (bot/services/edit_text.py): the intake's refusals, routing,
# captions, the Vary / Vary strong / Edit buttons and the Edit prompt (a ForceReply on
# Telegram, a modal on Discord). $kind is edit, vary or vary_strong; $parent is a job id;
# $model, $nearest and $picked are model names; $price and $refunded are ready-made counts
# ("5 credits"); $size and $cap are megabytes, already formatted with one decimal.
# Commands and examples in backticks are typed as shown: keep `/edit` and `/vary`, and
# translate the example words after them.

## What is wrong with a picture
edit-no-image = I need a picture to edit: attach one, or reply to an image with `/edit what to change`.
edit-too-large = That file is {$size} MB; I take pictures up to {$cap} MB. Please send a smaller one.
edit-not-an-image = `{$label}` is not a picture I can read. Send a PNG, JPEG, WebP, GIF or HEIC image.
edit-not-an-image-unnamed = That file is not a picture I can read. Send a PNG, JPEG, WebP, GIF or HEIC image.
edit-corrupted = That picture looks damaged: I could not decode it. Please send it again.
edit-no-first-frame = That animation has no first frame I can use. Please send a still picture.
edit-too-many-pixels = That picture is {$width}×{$height} pixels, more than I can take. Please send a smaller one.
edit-too-many-pixels-unknown = That picture is too many pixels, more than I can take. Please send a smaller one.
edit-too-many-images = {$model} takes at most {$most} { $most ->
    [one] picture
   *[other] pictures
} per edit.
edit-too-many-images-any = Every model here takes at most {$most} { $most ->
    [one] picture
   *[other] pictures
} per edit.
edit-unreadable-path = I can't read the file `{$path}`.

## Routing and prices
edit-model-cannot-edit = {$model} cannot edit pictures. {$nearest} can: pick `{$id}` instead. Nothing was charged.
edit-model-cannot-edit-none = {$model} cannot edit pictures, and no model here can right now.
edit-no-edit-models = No model on this bot can edit pictures right now. Nothing was charged.
edit-instruction-too-long = That is {$length} { $length ->
    [one] character
   *[other] characters
}; the limit is {$limit}. Please shorten it.
# Added to the reason ("…, because you asked for photo: …") when the intent's model cannot
# edit and another one does.
edit-editor-fallback = {" "}({$model} cannot edit pictures, so {$picked})
# Why an edit or variation of a result ran where it did; read after "because".
edit-source-reason = { $kind ->
    [vary] it made the picture you are varying
    [vary_strong] it made the picture you are varying
   *[edit] it made the picture you are editing
}
edit-source-reason-nearest = { $kind ->
    [vary] {$model} made the picture you are varying but cannot edit pictures, so the nearest model that can
    [vary_strong] {$model} made the picture you are varying but cannot edit pictures, so the nearest model that can
   *[edit] {$model} made the picture you are editing but cannot edit pictures, so the nearest model that can
}
edit-need-instruction = Tell me what to change, like `/edit make the sky purple`.
# An /imagine option written after /edit (only --model applies); $word is as typed.
edit-not-for-edit = `{$word}` does not apply to an edit; only `--model` does.

## What a result says
# The caption line saying where an edit came from.
edit-kind-line = { $kind ->
    [vary] Variation of {$parent}.
    [vary_strong] Strong variation of {$parent}.
   *[edit] Edit of {$parent}.
}
edit-kind-line-own = { $kind ->
    [vary] Variation of your picture.
    [vary_strong] Strong variation of your picture.
   *[edit] Edit of your picture.
}
# An edit of several pictures at once (a Telegram album, /edit with image2 …).
edit-kind-line-album = { $n ->
    [one] Edit of your {$n} picture.
   *[other] Edit of your {$n} pictures.
}
# A short tag in /history rows, after the reason.
edit-history-label = { $kind ->
    [vary] variation of {$parent}
    [vary_strong] strong variation of {$parent}
   *[edit] edit of {$parent}
}
edit-history-label-own = { $kind ->
    [vary] variation
    [vary_strong] strong variation
   *[edit] edit
}
edit-vary-button = Vary ({$price})
edit-vary-strong-button = Vary strong ({$price})
edit-edit-button = Edit ({$price})
# An /edit model suggestion (Discord's autocomplete): a model and its edit price.
edit-editor-choice = {$model} — {$price} an edit
# Asked when the Edit button is pressed. On Telegram a tag " #<job>" follows it (it names
# the job the answer edits): nothing to translate there.
edit-prompt-question = What should I change in this picture?
# Discord's modal: the title and the field's label have at most 45 characters.
edit-modal-title = Edit image
edit-modal-label = What to change
# The field's placeholder (at most 64 characters).
edit-prompt-placeholder = make the sky purple
edit-no-result = There is no result {$number} yet. Make an image first, then `/vary 1`.
edit-usage = Usage: /edit <file path or result number> <what to change>
edit-vary-usage = Usage: /vary [N] [strong]
edit-stored-image-gone = I no longer have that picture stored, so I can't vary it. Nothing was charged.
edit-pictures-gone = I no longer have the pictures of this edit stored. Your {$refunded} were refunded.
# Read after "On it: " while the job starts.
edit-vary-working = { $kind ->
    [vary_strong] a strong variation
   *[vary] a variation
}
edit-photo-needs-caption = Nice picture! To change it, send it again with a caption saying what to change, or reply to it with `/edit make the sky purple` (or `/vary`).
