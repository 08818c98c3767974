"""MyFatoorahGateway against a local server speaking MyFatoorah's API v2 and webhooks v1."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms_adapters.payments.myfatoorah import MyFatoorahGateway, sign, signature_base
from lms_adapters.settings import Settings
from lms_core.payments.entities import PaymentStatus, Provider
from lms_core.payments.errors import (
    InvalidWebhookSignature,
    MalformedWebhook,
    PaymentProviderError,
    PaymentProviderUnavailable,
    SubscriptionsNotSupported,
)
from lms_core.payments.ports import CheckoutRequest, GatewayEvent, GatewayEventKind, SubscriptionRequest
from lms_core.shared.money import Money
from tests.support.network import free_port
from tests.support.providers.myfatoorah_server import (
    FakeMyFatoorah,
    MyFatoorahWebhook,
    myfatoorah_signature,
    running_myfatoorah_server,
)

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

# The four (body, secret, signature) triples of MyFatoorah's own library, tests/MyFatoorahHelperTest.php
# (testIsSignatureValid), copied verbatim: vector 1 proves the case-insensitive order, 3 and 4 are real
# TransactionsStatusChanged bodies (one with Arabic names).
VECTORS: list[tuple[str, str, str]] = [
    (
        '{"EventType":3,"Event":"BalanceTransferred","DateTime":"04072021100512","CountryIsoCode":"KWT","Data":'
        '{"DepositReference":"2021000008","DepositedAmount":"1520.664","NumberOfTransactions":"47",'
        '"DepositFor":"VENDOR","SupplierCode":null}}',
        "7wNeL4LfSs/EHVOf0Xzeq1ja+HbPr//2XC2fZO24wA6479AT8o84BmELU2FiRwIpd+rM9W5/egjFuihNSXsHKw==",
        "uRBOogk9ek7Hgsxs/Rt7Nvbu7Vxf+4eI5gwvbtg0NCw=",
    ),
    (
        '{"EventType":1,"Event":"BalanceTransferred","DateTime":"04072021100512","CountryIsoCode":"KWT","Data":'
        '{"InvoiceId": 34959075,"InvoiceReference": "2021000088","CreatedDate": "24082021144854",'
        '"CustomerReference": "6124dca568974cf05d7f1e0c","CustomerName": "THE COW","CustomerMobile": '
        '"+96590088538","CustomerEmail": null,"TransactionStatus": "SUCCESS","PaymentMethod": "KNET",'
        '"UserDefinedField": null,"ReferenceId": "123655013425","TrackId": "24-08-2021_32916777",'
        '"PaymentId": "109202123602930060","AuthorizationId": "659726","InvoiceValueInBaseCurrency": "2.5",'
        '"BaseCurrency": "KWD","InvoiceValueInDisplayCurreny": "2.5","DisplayCurrency": "KWD",'
        '"InvoiceValueInPayCurrency": "2.5","PayCurrency": "KWD"}}',
        "Yfsa6MHREzuK+z9VLF3SmoDsdLFEguH970BISF44h5qTSy1jWeH/3FxSVGCEqMPadSmGthmyHP1oz2PFqhoVdg==",
        "0YPWuCj1yxScY1gWMUCtilqTL76AAPna8EqedMikhuI=",
    ),
    (
        '{"EventType":1,"Event":"TransactionsStatusChanged","DateTime":"13092021114623","CountryIsoCode":"KWT",'
        '"Data":{"InvoiceId":994285,"InvoiceReference":"2021001240","CreatedDate":"13092021114006",'
        '"CustomerReference":"139","CustomerName":"رشا سعيد","CustomerMobile":"123456789",'
        '"CustomerEmail":"rsaeed@myfatoorah.com","TransactionStatus":"FAILED","PaymentMethod":"KNET",'
        '"UserDefinedField":"139","ReferenceId":"060699428581329564","TrackId":"13-09-2021_813295",'
        '"PaymentId":"100202125611400734","AuthorizationId":"060699428581329564",'
        '"InvoiceValueInBaseCurrency":"10.942","BaseCurrency":"KWD","InvoiceValueInDisplayCurreny":"36",'
        '"DisplayCurrency":"USD","InvoiceValueInPayCurrency":"10.95","PayCurrency":"KWD"}}',
        "kOYhtuna3DmVilmtlTFI6wNAUX2dH+LSHdMLrmSAjamZKC4B7uSVJmB0+nch4ITGt95ZxoUfQ6Mhbzte7UG7Mw==",
        "XdNvAIV8ZN6CmB2zzapnSemO6lDUpwKk2g/a11GxI8U=",
    ),
    (
        '{"EventType":1,"Event":"TransactionsStatusChanged","DateTime":"14092021012540","CountryIsoCode":"KWT",'
        '"Data":{"InvoiceId":36301378,"InvoiceReference":"2021520754","CreatedDate":"14092021012424",'
        '"CustomerReference":"HB8R-3270991","CustomerName":"امل","CustomerMobile":"96599848810",'
        '"CustomerEmail":"athoob88@hotmail.com","TransactionStatus":"SUCCESS","PaymentMethod":"KNET",'
        '"UserDefinedField":"ar-61-sale-KWD","ReferenceId":"125720001110","TrackId":"14-09-2021_34159285",'
        '"PaymentId":"109202125764066719","AuthorizationId":"079903","InvoiceValueInBaseCurrency":"39.25",'
        '"BaseCurrency":"KWD","InvoiceValueInDisplayCurreny":"39.25","DisplayCurrency":"KWD",'
        '"InvoiceValueInPayCurrency":"39.25","PayCurrency":"KWD"}}',
        "tEtrecTNgRTu+zmde7OZ8pyy62kQTo2sT/tYG0DO2JT626XRKTWeUqwyXsDfE4kMsMSGxjP7KbV0h8pdFG1Pgg==",
        "4jsjl0JdWsTLBxqfJ7VxLFLoNhi1EqJaz1c+Z+ri02w=",
    ),
]


@pytest.fixture
def mf() -> Iterator[FakeMyFatoorah]:
    with running_myfatoorah_server() as fake:
        yield fake


def _gateway_for(mf: FakeMyFatoorah, *, timeout: float = 5.0, secret: str | None = None) -> MyFatoorahGateway:
    return MyFatoorahGateway(
        api_key=mf.api_key,
        webhook_secret=secret or mf.webhook_secret,
        api_base=mf.base_url,
        timeout_seconds=timeout,
    )


@pytest.fixture
async def gateway(mf: FakeMyFatoorah) -> AsyncIterator[MyFatoorahGateway]:
    gw = _gateway_for(mf)
    yield gw
    await gw.aclose()


def _request(
    total: Money, *, payment_id: UUID | None = None, return_url: str = "https://lms.example/pay/done"
) -> CheckoutRequest:
    return CheckoutRequest(
        payment_id=payment_id or uuid4(),
        total=total,
        description="Arabic calligraphy, level 1",
        customer_email="learner@example.com",
        customer_name="Learner One",
        return_url=return_url,
    )


def _parse(gateway: MyFatoorahGateway, hook: MyFatoorahWebhook) -> GatewayEvent:
    return gateway.parse_webhook(hook.body, hook.lowercase_headers, hook.query, now=NOW)


# ---- known answers ---------------------------------------------------------------------------------------


def test_the_signed_string_sorts_keys_case_insensitively_and_writes_null_as_empty() -> None:
    data = json.loads(VECTORS[0][0])["Data"]
    assert signature_base(data, 3) == (
        "DepositedAmount=1520.664,DepositFor=VENDOR,DepositReference=2021000008,NumberOfTransactions=47,SupplierCode="
    )


@pytest.mark.parametrize(("body", "secret", "signature"), VECTORS)
def test_myfatoorahs_own_vectors_verify(body: str, secret: str, signature: str) -> None:
    envelope = json.loads(body)
    assert sign(envelope["Data"], envelope["EventType"], secret) == signature
    # The fake server's signer is a separate implementation: it must agree with the same vectors.
    assert myfatoorah_signature(envelope["Data"], envelope["EventType"], secret) == signature


@pytest.mark.parametrize(("body", "secret", "signature"), VECTORS)
async def test_the_gateway_accepts_the_vectors_as_webhooks(body: str, secret: str, signature: str) -> None:
    gw = MyFatoorahGateway(api_key="k", webhook_secret=secret, api_base="http://127.0.0.1:9")
    try:
        event = gw.parse_webhook(body.encode(), {"myfatoorah-signature": signature}, {}, now=NOW)
    finally:
        await gw.aclose()
    envelope = json.loads(body)
    assert event.event_type == envelope["Event"]
    if envelope["EventType"] == 1:
        assert event.provider_payment_id == str(envelope["Data"]["InvoiceId"])
        # None of these customer references is one of our UUIDs.
        assert event.our_payment_id is None


async def test_vector_three_is_a_failed_payment_of_36_usd() -> None:
    body, secret, signature = VECTORS[2]
    gw = MyFatoorahGateway(api_key="k", webhook_secret=secret, api_base="http://127.0.0.1:9")
    try:
        event = gw.parse_webhook(body.encode(), {"myfatoorah-signature": signature}, {}, now=NOW)
    finally:
        await gw.aclose()
    assert event.kind is GatewayEventKind.PAYMENT_FAILED
    assert event.provider_payment_id == "994285"
    assert event.provider_event_id == "1:994285:FAILED:100202125611400734"
    assert event.amount == Money(Decimal("36.00"), "USD")
    assert event.failure_reason == "MyFatoorah transaction FAILED"


async def test_a_vector_signed_with_another_secret_is_refused() -> None:
    body, _, _ = VECTORS[2]
    _, secret4, signature4 = VECTORS[3]
    gw = MyFatoorahGateway(api_key="k", webhook_secret=secret4, api_base="http://127.0.0.1:9")
    try:
        with pytest.raises(InvalidWebhookSignature):
            gw.parse_webhook(body.encode(), {"myfatoorah-signature": signature4}, {}, now=NOW)
    finally:
        await gw.aclose()


# ---- checkout ----------------------------------------------------------------------------------------------


async def test_checkout_sends_an_invoice_link_request_in_kwd_with_three_decimals(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    payment_id = uuid4()
    checkout = await gateway.create_checkout(_request(Money.of("12.5", "KWD"), payment_id=payment_id))

    [sent] = mf.requests_to("SendPayment")
    assert sent.headers["authorization"] == f"Bearer {mf.api_key}"
    assert sent.headers["content-type"] == "application/json"
    assert b'"InvoiceValue":12.500' in sent.body  # a JSON number with the currency's three decimals
    assert sent.json == {
        "InvoiceValue": Decimal("12.500"),
        "DisplayCurrencyIso": "KWD",
        "NotificationOption": "LNK",
        "CustomerName": "Learner One",
        "CustomerEmail": "learner@example.com",
        "CustomerReference": str(payment_id),
        "UserDefinedField": str(payment_id),
        "CallBackUrl": "https://lms.example/pay/done",
        "ErrorUrl": "https://lms.example/pay/done",
    }
    invoice = mf.invoice(checkout.provider_payment_id)
    assert checkout.provider_payment_id == str(invoice.invoice_id)
    assert checkout.payment_url == invoice.url
    assert checkout.client_secret is None
    assert invoice.value == Decimal("12.500")
    assert invoice.currency == "KWD"


async def test_checkout_in_a_zero_decimal_currency_sends_a_whole_number(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("500", "JPY")))
    [sent] = mf.requests_to("SendPayment")
    assert re.search(rb'"InvoiceValue":500[,}]', sent.body)
    assert mf.invoice(checkout.provider_payment_id).value == Decimal(500)


async def test_checkout_without_a_return_url_or_email_leaves_them_out(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    request = CheckoutRequest(
        payment_id=uuid4(), total=Money.of("19.9", "USD"), description="d", customer_email="", customer_name="N"
    )
    await gateway.create_checkout(request)
    [sent] = mf.requests_to("SendPayment")
    assert b'"InvoiceValue":19.90' in sent.body
    assert not {"CallBackUrl", "ErrorUrl", "CustomerEmail"} & set(sent.json)


def test_any_amount_reaches_myfatoorah_exactly_with_its_currencys_decimals() -> None:
    async def checkout(mf: FakeMyFatoorah, total: Money) -> str:
        gw = _gateway_for(mf)
        try:
            return (await gw.create_checkout(_request(total))).provider_payment_id
        finally:
            await gw.aclose()

    with running_myfatoorah_server() as mf:

        @settings(max_examples=40, deadline=None)
        @given(
            minor=st.integers(min_value=1, max_value=10**12),
            currency=st.sampled_from(["KWD", "BHD", "USD", "SAR", "JPY"]),
        )
        def check(minor: int, currency: str) -> None:
            total = Money.from_minor(minor, currency)
            invoice_id = asyncio.run(checkout(mf, total))
            sent = mf.requests[-1]
            written = re.search(rb'"InvoiceValue":([0-9.]+)', sent.body)
            assert written is not None
            text = written.group(1).decode()
            digits = {"KWD": 3, "BHD": 3, "JPY": 0}.get(currency, 2)
            assert len(text.partition(".")[2]) == digits
            assert Money(mf.invoice(invoice_id).value, currency).to_minor() == minor

        check()


# ---- fetch_payment -----------------------------------------------------------------------------------------


async def test_fetch_payment_follows_the_invoice_status(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("7.250", "KWD")))
    invoice_id = checkout.provider_payment_id

    pending = await gateway.fetch_payment(invoice_id)
    assert pending.status is PaymentStatus.PENDING
    assert pending.provider_payment_id == invoice_id
    assert pending.amount == Money.of("7.250", "KWD")
    assert mf.requests_to("GetPaymentStatus")[-1].json == {"Key": invoice_id, "KeyType": "InvoiceId"}

    # A failed attempt leaves the invoice payable: MyFatoorah keeps it Pending.
    mf.mark_failed(invoice_id, error="Card declined")
    assert (await gateway.fetch_payment(invoice_id)).status is PaymentStatus.PENDING

    mf.mark_paid(invoice_id)
    assert [t.status for t in mf.invoice(invoice_id).transactions] == ["Failed", "Succss"]
    paid = await gateway.fetch_payment(invoice_id)
    assert paid.status is PaymentStatus.SUCCEEDED
    assert paid.failure_reason is None


async def test_a_canceled_invoice_is_a_failed_payment_with_the_last_error(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("3", "USD")))
    mf.mark_failed(checkout.provider_payment_id, error="Card declined")
    mf.mark_canceled(checkout.provider_payment_id)
    state = await gateway.fetch_payment(checkout.provider_payment_id)
    assert state.status is PaymentStatus.FAILED
    assert state.failure_reason == "Card declined"
    assert state.amount == Money.of("3.00", "USD")


async def test_a_paid_invoice_refunded_in_full_is_refunded(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("9", "KWD")))
    invoice_id = checkout.provider_payment_id
    mf.mark_paid(invoice_id)
    mf.mark_refunded(invoice_id, amount=Decimal("4.000"))
    partly = await gateway.fetch_payment(invoice_id)
    assert partly.status is PaymentStatus.SUCCEEDED
    assert mf.requests_to("GetRefundStatus")[-1].json == {"Key": invoice_id, "KeyType": "InvoiceId"}

    mf.mark_refunded(invoice_id, amount=Decimal("5.000"), status="CANCELED")  # rejected: nothing returned
    assert (await gateway.fetch_payment(invoice_id)).status is PaymentStatus.SUCCEEDED

    mf.mark_refunded(invoice_id, amount=Decimal("5.000"))
    refunded = await gateway.fetch_payment(invoice_id)
    assert refunded.status is PaymentStatus.REFUNDED
    assert refunded.amount == Money.of("9.000", "KWD")
    assert len(mf.requests_to("GetRefundStatus")) == 3


async def test_pending_invoices_are_not_asked_about_refunds(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("9", "KWD")))
    assert (await gateway.fetch_payment(checkout.provider_payment_id)).status is PaymentStatus.PENDING
    assert mf.requests_to("GetRefundStatus") == []


async def test_a_refused_refund_inquiry_leaves_the_payment_paid_but_an_outage_is_unavailable(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("9", "KWD")))
    mf.mark_paid(checkout.provider_payment_id)
    mf.mark_refunded(checkout.provider_payment_id)
    mf.fail_next("error", endpoint="GetRefundStatus")
    assert (await gateway.fetch_payment(checkout.provider_payment_id)).status is PaymentStatus.SUCCEEDED
    mf.fail_next("500", endpoint="GetRefundStatus")
    with pytest.raises(PaymentProviderUnavailable):
        await gateway.fetch_payment(checkout.provider_payment_id)
    assert (await gateway.fetch_payment(checkout.provider_payment_id)).status is PaymentStatus.REFUNDED


async def test_fetching_an_unknown_invoice_is_a_provider_error(gateway: MyFatoorahGateway) -> None:
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.fetch_payment("123")
    assert caught.value.details["provider_message"] == "Invalid key"
    assert caught.value.details["validation_errors"] == [{"name": "Key", "error": "Invoice not found"}]


# ---- errors ------------------------------------------------------------------------------------------------


async def test_a_500_is_unavailable_and_the_next_call_succeeds(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    mf.fail_next("500")
    with pytest.raises(PaymentProviderUnavailable) as caught:
        await gateway.create_checkout(_request(Money.of("1", "KWD")))
    assert caught.value.details["status"] == 500
    assert mf.invoices == {}
    checkout = await gateway.create_checkout(_request(Money.of("1", "KWD")))
    assert list(mf.invoices) == [int(checkout.provider_payment_id)]


async def test_an_error_envelope_is_a_provider_error_with_its_message_and_validation_errors(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    mf.fail_next("error", message="InvoiceValue is out of range")
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.create_checkout(_request(Money.of("1", "KWD")))
    assert caught.value.details == {
        "status": 400,
        "provider_message": "InvoiceValue is out of range",
        "validation_errors": [{"name": "InvoiceValue", "error": "InvoiceValue is out of range"}],
    }
    assert mf.invoices == {}


async def test_the_providers_own_validation_is_reported(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    with pytest.raises(PaymentProviderError) as caught:
        await gateway.create_checkout(_request(Money.of("1", "KWD"), return_url="https://lms.example/" + "x" * 300))
    assert caught.value.details["provider_message"] == "Invalid data"
    assert {e["name"] for e in caught.value.details["validation_errors"]} == {"CallBackUrl", "ErrorUrl"}


async def test_a_wrong_api_key_is_a_provider_error(mf: FakeMyFatoorah) -> None:
    gw = MyFatoorahGateway(api_key="not-the-key", webhook_secret="s", api_base=mf.base_url)
    try:
        with pytest.raises(PaymentProviderError) as caught:
            await gw.create_checkout(_request(Money.of("1", "KWD")))
    finally:
        await gw.aclose()
    assert caught.value.details == {"status": 401}
    assert mf.requests_to("SendPayment")[0].headers["authorization"] == "Bearer not-the-key"
    assert mf.invoices == {}


async def test_a_page_that_is_not_json_is_a_provider_error(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    mf.fail_next("not_json")
    with pytest.raises(PaymentProviderError):
        await gateway.fetch_payment("1")


async def test_a_hanging_provider_times_out_as_unavailable(mf: FakeMyFatoorah) -> None:
    gw = _gateway_for(mf, timeout=0.3)
    mf.fail_next("hang")
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gw.create_checkout(_request(Money.of("1", "KWD")))
    finally:
        await gw.aclose()
    assert len(mf.requests_to("SendPayment")) == 1


async def test_a_refused_connection_is_unavailable() -> None:
    gw = MyFatoorahGateway(api_key="k", webhook_secret="s", api_base=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(PaymentProviderUnavailable):
            await gw.fetch_payment("1")
    finally:
        await gw.aclose()


# ---- webhooks from the server --------------------------------------------------------------------------


async def test_a_paid_invoice_is_a_succeeded_payment_and_its_replay_has_the_same_id(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    payment_id = uuid4()
    checkout = await gateway.create_checkout(_request(Money.of("12.5", "KWD"), payment_id=payment_id))
    hook = mf.mark_paid(checkout.provider_payment_id)
    assert set(hook.headers) == {"Content-Type", "MyFatoorah-Signature"}

    event = _parse(gateway, hook)
    assert event.kind is GatewayEventKind.PAYMENT_SUCCEEDED
    assert event.event_type == "TransactionsStatusChanged"
    assert event.provider_payment_id == checkout.provider_payment_id
    assert event.our_payment_id == payment_id
    assert event.amount == Money.of("12.500", "KWD")
    assert event.failure_reason is None
    payment = mf.invoice(checkout.provider_payment_id).transactions[0].payment_id
    assert event.provider_event_id == f"1:{checkout.provider_payment_id}:SUCCESS:{payment}"
    assert _parse(gateway, hook).provider_event_id == event.provider_event_id


async def test_failed_attempts_are_separate_events_and_a_later_success_is_another(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("5", "USD")))
    first = _parse(gateway, mf.mark_failed(checkout.provider_payment_id))
    second = _parse(gateway, mf.mark_failed(checkout.provider_payment_id, webhook_status="CANCELED"))
    paid = _parse(gateway, mf.mark_paid(checkout.provider_payment_id))
    assert [first.kind, second.kind, paid.kind] == [
        GatewayEventKind.PAYMENT_FAILED,
        GatewayEventKind.PAYMENT_FAILED,
        GatewayEventKind.PAYMENT_SUCCEEDED,
    ]
    assert second.failure_reason == "MyFatoorah transaction CANCELED"
    assert len({first.provider_event_id, second.provider_event_id, paid.provider_event_id}) == 3


async def test_an_authorised_but_uncaptured_transaction_is_ignored(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("5", "USD")))
    invoice = mf.invoice(checkout.provider_payment_id)
    hook = mf.mark_failed(checkout.provider_payment_id, webhook_status="AUTHORIZE")
    event = _parse(gateway, hook)
    assert event.kind is GatewayEventKind.IGNORED
    assert event.provider_payment_id == str(invoice.invoice_id)


async def test_a_refund_is_verified_without_its_gateway_reference_and_reported_for_the_service_to_check(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("9.000", "KWD")))
    mf.mark_paid(checkout.provider_payment_id)
    hook = mf.mark_refunded(checkout.provider_payment_id)
    event = _parse(gateway, hook)
    refund = mf.invoice(checkout.provider_payment_id).refunds[0]
    assert event.kind is GatewayEventKind.REFUND_REPORTED
    assert event.event_type == "RefundStatusChanged"
    assert event.provider_payment_id == checkout.provider_payment_id
    assert event.provider_event_id == f"2:{checkout.provider_payment_id}:REFUNDED:{refund.refund_id}"

    envelope = hook.json
    envelope["Data"]["GatewayReference"]["RefundAmount"] = "1.000"  # not signed: still verifies
    altered = json.dumps(envelope, default=str).encode()
    assert _parse(gateway, MyFatoorahWebhook(altered, hook.headers, {})).provider_event_id == event.provider_event_id
    envelope["Data"]["Amount"] = "1.000"  # signed
    tampered = json.dumps(envelope, default=str).encode()
    with pytest.raises(InvalidWebhookSignature):
        _parse(gateway, MyFatoorahWebhook(tampered, hook.headers, {}))


async def test_other_event_types_are_verified_and_ignored(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    data = {"DepositReference": "2021000008", "DepositedAmount": "1520.664", "SupplierCode": None}
    event = _parse(gateway, mf.webhook(3, data, event="BalanceTransferred"))
    assert event.kind is GatewayEventKind.IGNORED
    assert event.event_type == "BalanceTransferred"
    assert event.provider_event_id.startswith("3:")
    assert _parse(gateway, mf.webhook(3, data, event="BalanceTransferred")).provider_event_id == event.provider_event_id
    with pytest.raises(InvalidWebhookSignature):
        _parse(gateway, mf.webhook(3, data, event="BalanceTransferred", secret="another"))


async def test_an_old_date_in_the_unsigned_envelope_changes_nothing(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    # v1 signs only Data: DateTime proves nothing, so there is no age limit; a replay keeps its event id.
    checkout = await gateway.create_checkout(_request(Money.of("5", "USD")))
    hook = mf.mark_paid(checkout.provider_payment_id)
    envelope = hook.json
    envelope["DateTime"] = "01012020000000"
    replayed = json.dumps(envelope, ensure_ascii=False, default=str).encode()
    event = gateway.parse_webhook(replayed, hook.lowercase_headers, {}, now=NOW)
    assert event.provider_event_id == _parse(gateway, hook).provider_event_id
    assert event.kind is GatewayEventKind.PAYMENT_SUCCEEDED


async def test_a_tampered_invoice_id_is_refused(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    checkout = await gateway.create_checkout(_request(Money.of("5", "USD")))
    hook = mf.mark_paid(checkout.provider_payment_id)
    tampered = hook.body.replace(f'"InvoiceId": {checkout.provider_payment_id}'.encode(), b'"InvoiceId": 1')
    assert tampered != hook.body
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(tampered, hook.lowercase_headers, {}, now=NOW)


async def test_a_webhook_signed_with_another_secret_is_refused(mf: FakeMyFatoorah) -> None:
    gw = _gateway_for(mf, secret="a-different-secret")
    try:
        with pytest.raises(InvalidWebhookSignature):
            _parse(gw, mf.webhook(1, {"InvoiceId": 1, "TransactionStatus": "SUCCESS", "PaymentId": "2"}))
    finally:
        await gw.aclose()


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"EventType":1,"Data":{"InvoiceId":1}}', {}),
        (b'{"EventType":1,"Data":{"InvoiceId":1}}', {"myfatoorah-signature": ""}),
        (b"not json", {"myfatoorah-signature": "abc="}),
        (b'{"EventType":1,"Data":[1]}', {"myfatoorah-signature": "abc="}),
        (
            b'{"Event":{"Code":1,"Name":"PAYMENT_STATUS_CHANGED"},"Data":{"Invoice":{}}}',
            {"myfatoorah-signature": "abc="},
        ),
    ],
    ids=["missing header", "empty header", "not json", "data not an object", "webhook v2"],
)
async def test_unverifiable_webhooks_are_refused(
    gateway: MyFatoorahGateway, body: bytes, headers: dict[str, str]
) -> None:
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(body, headers, {}, now=NOW)


async def test_a_nested_value_in_signed_data_is_refused(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    hook = mf.webhook(1, {"InvoiceId": 1, "TransactionStatus": "SUCCESS", "Extra": "x"})
    envelope = hook.json
    envelope["Data"]["Extra"] = {"nested": True}
    with pytest.raises(InvalidWebhookSignature):
        gateway.parse_webhook(json.dumps(envelope).encode(), hook.lowercase_headers, {}, now=NOW)


async def test_an_envelope_claiming_a_refund_for_transaction_data_is_malformed(
    mf: FakeMyFatoorah, gateway: MyFatoorahGateway
) -> None:
    # Only Data is signed, so EventType can be changed in transit; the signed fields must then not fit.
    checkout = await gateway.create_checkout(_request(Money.of("5", "USD")))
    envelope = mf.mark_paid(checkout.provider_payment_id).json
    hook = mf.webhook(2, envelope["Data"], event="RefundStatusChanged")
    with pytest.raises(MalformedWebhook):
        _parse(gateway, hook)


async def test_signed_data_without_an_invoice_id_is_malformed(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    with pytest.raises(MalformedWebhook):
        _parse(gateway, mf.webhook(1, {"TransactionStatus": "SUCCESS", "PaymentId": "1"}))


# ---- configuration and subscriptions -------------------------------------------------------------------


async def test_from_settings_needs_both_the_key_and_the_webhook_secret(mf: FakeMyFatoorah) -> None:
    assert MyFatoorahGateway.from_settings(Settings(myfatoorah_api_key="k")) is None
    assert MyFatoorahGateway.from_settings(Settings(myfatoorah_webhook_secret="s")) is None
    gw = MyFatoorahGateway.from_settings(
        Settings(
            myfatoorah_api_key=mf.api_key,
            myfatoorah_webhook_secret=mf.webhook_secret,
            myfatoorah_api_base=mf.base_url,
        )
    )
    assert gw is not None
    try:
        checkout = await gw.create_checkout(_request(Money.of("2", "KWD")))
        assert mf.invoice(checkout.provider_payment_id).value == Decimal("2.000")
        assert gw.provider is Provider.MYFATOORAH
    finally:
        await gw.aclose()


async def test_subscriptions_are_not_supported(mf: FakeMyFatoorah, gateway: MyFatoorahGateway) -> None:
    assert gateway.supports_subscriptions is False
    with pytest.raises(SubscriptionsNotSupported):
        await gateway.create_subscription(
            SubscriptionRequest(subscription_id=uuid4(), price_id="p", customer_email="e@x.io", customer_name="n")
        )
    with pytest.raises(SubscriptionsNotSupported):
        await gateway.cancel_subscription("sub", at_period_end=True)
    assert mf.requests == []
