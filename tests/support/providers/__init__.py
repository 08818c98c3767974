"""Local servers that speak the payment providers' protocols."""
