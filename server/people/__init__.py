"""People and roles: organisers grant and withdraw roles by email (inviting people who have no
account yet), a program's people are linked to accounts, a stand's staff manage their own team."""
