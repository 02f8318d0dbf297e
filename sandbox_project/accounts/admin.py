"""Users are administered through Django's own UserAdmin, profiles in catalog."""
