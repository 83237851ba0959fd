# The intents of data/intents.toml, for the languages other than English (English shows the
# operator's own words from that file). Keys: intent-<id>-why and intent-<id>-phrase.
intent-text-phrase = It needs text in the image
intent-text-why = text rendering needed
intent-design-phrase = It's for a design/marketing project
intent-design-why = design and marketing work
intent-hero-phrase = This is the hero image
intent-hero-why = a hero image deserves the highest quality
intent-photo-phrase = It needs to look like a photo
intent-photo-why = it should look like a real photo
intent-creative-phrase = Make it weird/creative
intent-creative-why = weird and creative is Grok Imagine's strength
intent-fast-phrase = I need it now
intent-fast-why = the fastest model, made for drafts
intent-general-phrase = Just give me something good
intent-general-why = a good all-rounder
# The shipped models of data/models.toml (strengths and speed tiers), for the languages
# other than English; a model an operator adds shows its own words from that file.
model-flux-2-klein-strengths = speed, previews
model-bitdance-strengths = photorealism
model-flux-pro-strengths = all-rounder
model-seedream-5-strengths = fast quality
model-grok-imagine-strengths = creative freedom
model-nano-banana-2-strengths = text rendering
model-recraft-v4-pro-strengths = design & marketing
model-nano-banana-pro-strengths = ultra quality
speed-instant = instant
speed-fast = fast
speed-medium = medium
speed-premium = premium
