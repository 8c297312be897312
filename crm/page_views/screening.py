"""The fan page's screening section (methods, ID files, decision)."""


def section_context(request, creator, fan, forms) -> dict:
    return {}
