"""Pages in the other language: Wagtail keeps a translation per locale; visitors see theirs."""


def page_translate(page, locale, **fields):
    """The page's translation into `locale`, created or updated, and published."""
    translation = page.get_translation_or_none(locale)
    if translation is None:
        translation = page.copy_for_translation(locale, copy_parents=True, alias=False)
    translation = translation.specific
    for name, value in fields.items():
        setattr(translation, name, value)
    translation.save_revision().publish()
    return translation
