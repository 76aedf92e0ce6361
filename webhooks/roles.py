from accounts.roles import Role

# Who manages an organisation's endpoints and reads its delivery log: the integrating organisations' own users
# and the agency's administrators. Applicants, case officers, approvers and officials do not.
MANAGER_ROLES = (Role.LENDER_OFFICER, Role.FUND_MANAGER, Role.VALUER, Role.ADMINISTRATOR)
