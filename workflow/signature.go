package workflow

// SignatureMeaning is the meaning recorded with every sign-off, as 21 CFR
// §11.50 requires a signature to state.
const SignatureMeaning = "clinically reviewed and approved"
