"""Payments: course purchases and subscriptions through Stripe, Paymob and MyFatoorah, refunds, revenue."""
