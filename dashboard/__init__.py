"""The board (看板): a Streamlit app over the foundation's projections and the one write path."""
