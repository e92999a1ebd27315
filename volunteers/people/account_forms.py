"""The sign-up, sign-in and password-reset forms (allauth's), reading an email address typed with
full-width characters (ｂａｄ１＠example.cn, as a Chinese input method gives) as the ordinary one."""

from allauth.account.forms import AddEmailForm, LoginForm, ResetPasswordForm, SignupForm

from core.text import email_normalise


class _EmailNormalised:
    """Normalise the posted address before the field checks it: Django's email check would refuse the
    full-width spelling before allauth's `clean_email` hook sees it."""

    email_field = "email"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        key = self.add_prefix(self.email_field)
        if self.is_bound and isinstance(self.data.get(key), str):
            self.data = self.data.copy()
            self.data[key] = email_normalise(self.data[key])


class AccountLoginForm(_EmailNormalised, LoginForm):
    email_field = "login"


class AccountSignupForm(_EmailNormalised, SignupForm):
    pass


class AccountAddEmailForm(_EmailNormalised, AddEmailForm):
    pass


class AccountResetPasswordForm(_EmailNormalised, ResetPasswordForm):
    pass
