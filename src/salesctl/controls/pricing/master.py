"""The pricing family's check of price-master changes (O2C-PR-06), run by the gate.

S-IC 3.2: 其他产品价格,由分(子)公司价格领导小组结合产品市场情况具体制定;当价格需要调整时,营销
部门根据实际,提出调整意见,报分(子)公司价格领导小组审批. S-IC 3.4: 财务部门根据股份公司相关价格
文件或批准后的价格在ERP系统中维护价格主数据.

A :class:`~salesctl.transactions.ChangeMasterPrice` publishes or changes one price: the acting
user must hold finance's maintainer role, must not be who proposed the price (nor may the entry
record another maintainer), the entry cites its source document (the model refuses a blank
one), and the change waits (HOLD) for the approval of the delegation tree's price-master node —
the price group by default — given by someone other than the proposer and the keyer (the
approval engine, :mod:`salesctl.approvals`, excludes both and counts a person once).
"""

from __future__ import annotations

from salesctl._validators import same_person
from salesctl.context import Context
from salesctl.controls.pricing.policy import PricingPolicy
from salesctl.decision import ApprovalRequirement, Finding, Outcome, finding
from salesctl.transactions import ChangeMasterPrice, Transaction

__all__ = ["check_master_change"]

_CID = "O2C-PR-06"


def check_master_change(
    txn: Transaction, ctx: Context, policy: PricingPolicy
) -> tuple[Finding, ...]:
    """O2C-PR-06: a price-master change is entered by finance's maintainer, who is not its
    proposer, from its source document, and approved at the price group's authority.

    Returns:
        BLOCK findings for an entry by someone outside the maintainer role, by the proposer,
        or recording another maintainer; always the HOLD for the approval of the tree's
        price-master node (cleared by the gate with an approval on hand that counts).
    """
    assert isinstance(txn, ChangeMasterPrice)
    ch = txn.change
    e = ch.entry
    actor = txn.actor
    out: list[Finding] = []
    if policy.master_maintainer_role not in actor.roles:
        out.append(
            finding(
                _CID,
                Outcome.BLOCK,
                "pricing.master_not_maintainer",
                params={"change": ch.id, "actor": actor.id, "role": policy.master_maintainer_role},
                facts={"actor_roles": sorted(actor.roles)},
            )
        )
    if same_person(ch.proposed_by, actor.id):
        out.append(
            finding(
                _CID,
                Outcome.BLOCK,
                "pricing.master_self_proposed",
                params={"change": ch.id, "actor": actor.id},
            )
        )
    if e.maintained_by is not None and not same_person(e.maintained_by, actor.id):
        out.append(
            finding(
                _CID,
                Outcome.BLOCK,
                "pricing.master_other_maintainer",
                params={"change": ch.id, "maintainer": e.maintained_by, "actor": actor.id},
            )
        )
    node = policy.master_node()
    out.append(
        Finding(
            control_id=_CID,
            outcome=Outcome.HOLD,
            message="pricing.master_approval",
            params={
                "change": ch.id,
                "product": e.product_id,
                "price": e.price,
                "node": node.label,
                "role": node.role,
            },
            facts={
                "product": e.product_id,
                "price": e.price,
                "valid_from": e.valid_from,
                "valid_to": e.valid_to or "-",
                "price_class": e.price_class.value,
                "source_document": e.source_document,
                "proposed_by": ch.proposed_by,
                "maintained_by": actor.id,
                "approval_node": policy.path_of(node.id),
            },
            required=(
                ApprovalRequirement(
                    control_id=_CID,
                    role=node.role,
                    min_level=node.level,
                    document_id=ch.id,
                    reason="pricing.master_approval",
                    excluded=(ch.proposed_by,),
                ),
            ),
        )
    )
    return tuple(out)
