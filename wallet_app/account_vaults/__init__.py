"""Account vaults: plain accounts whose approvers are in the governed policy (a cold vault); their approval queue,
the ceremony requests sent to the offline signer, and sending what it signed."""
